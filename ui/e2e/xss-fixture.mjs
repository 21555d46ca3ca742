// Writes a JSONL file of OpenAI-chat rows whose every text field carries markup payloads. The UI
// must show them as text: no element is ever created from them.

import { writeFileSync } from 'node:fs';

export const IMG = '<img src=x onerror=alert(1)>';
export const SCRIPT = '<script>window.__xss=1</script>';
/** A word only these rows contain, to find them. */
export const WORD = 'xsspayload';

function row(n, variant) {
  const call = (id, name, args) => ({ id, type: 'function', function: { name, arguments: JSON.stringify(args) } });
  const messages = [
    { role: 'system', content: `You are an agent ${SCRIPT} ${IMG}` },
    { role: 'user', content: `Fix the ${WORD} bug ${IMG} in module ${SCRIPT}\nIt happens every time.` },
    {
      role: 'assistant',
      content: `Thinking about ${WORD} ${IMG}`,
      tool_calls: [call('c1', 'think', { thought: `A thought ${SCRIPT} ${IMG} ${WORD}` })],
    },
    { role: 'tool', tool_call_id: 'c1', content: `Your thought has been logged. ${IMG}` },
    {
      role: 'assistant',
      content: `Run it ${SCRIPT}`,
      tool_calls: [call('c2', 'execute_bash', { command: `echo '${SCRIPT}' && grep -rn "${IMG}" . # ${WORD}` })],
    },
    {
      role: 'tool',
      tool_call_id: 'c2',
      content: `${SCRIPT}\n${IMG}\n${WORD} found on line 3\n[The command completed with exit code ${variant}.]`,
    },
    {
      role: 'assistant',
      content: 'List everything',
      tool_calls: [call('c6', 'execute_bash', { command: 'seq 1 300' })],
    },
    {
      role: 'tool',
      tool_call_id: 'c6',
      content: `${Array.from({ length: 600 }, (_, i) => `long output line ${i + 1}`).join('\n')}\n[The command completed with exit code 0.]`,
    },
    {
      role: 'assistant',
      content: 'Look at the file',
      tool_calls: [call('c3', 'str_replace_editor', { command: 'view', path: `/repo/${WORD}.py` })],
    },
    {
      role: 'tool',
      tool_call_id: 'c3',
      content: `Here's the result of running \`cat -n\` on /repo/${WORD}.py:\n     1\tdef f():\n     2\t    return "${IMG}"\n     3\t# ${SCRIPT}\n`,
    },
    {
      role: 'assistant',
      content: 'Edit it',
      tool_calls: [
        call('c4', 'str_replace_editor', {
          command: 'str_replace',
          path: `/repo/${WORD}.py`,
          old_str: `    return "${IMG}"`,
          new_str: `    return "${SCRIPT}" # ${WORD} ${n}`,
        }),
      ],
    },
    { role: 'tool', tool_call_id: 'c4', content: `The file /repo/${WORD}.py has been edited. ${IMG}` },
    {
      role: 'assistant',
      content: `Done ${IMG}`,
      tool_calls: [call('c5', 'finish', { message: `Final answer ${SCRIPT} ${IMG} ${WORD}` })],
    },
  ];
  const patch = [
    `diff --git a/${WORD}.py b/${WORD}.py`,
    `--- a/${WORD}.py`,
    `+++ b/${WORD}.py`,
    '@@ -1,3 +1,3 @@',
    ' def f():',
    `-    return "${IMG}"`,
    `+    return "${SCRIPT}" # ${WORD} ${n}`,
    ` # ${SCRIPT}`,
    '',
  ].join('\n');
  return {
    instance_id: `xss__xss-1${IMG}`,
    repo: `xss/${IMG}`,
    dataset: `xss-${SCRIPT}`,
    model: `model-${n}${IMG}`,
    resolved: variant === 0,
    model_patch: patch,
    messages,
  };
}

/** Lines no adapter can store: a diagnostic each, at its file and line. */
export const BAD_LINES = ['{"not": "a trajectory"}', '{"messages": [1, 2', 'plain text, not json'];

export function writeBadFixture(path) {
  writeFileSync(path, BAD_LINES.join('\n') + '\n');
}

export function writeXssFixture(path) {
  writeFileSync(path, [row(1, 0), row(2, 1)].map((r) => JSON.stringify(r)).join('\n') + '\n');
}
