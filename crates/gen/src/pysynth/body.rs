//! Function bodies: statement groups and return lines drawn from the per-function context.

use super::*;

impl Ctx<'_> {
    fn param(&self, rng: &mut GenRng) -> String {
        if self.params.is_empty() {
            if self.method && !self.self_attrs.is_empty() {
                return format!("self.{}", pick(rng, &self.self_attrs));
            }
            return "None".to_string();
        }
        pick(rng, &self.params).clone()
    }

    fn new_local(&mut self, rng: &mut GenRng) -> String {
        for _ in 0..8 {
            let l = pick(rng, LOCALS).to_string();
            if !self.locals.contains(&l) && !self.params.contains(&l) {
                self.locals.push(l.clone());
                return l;
            }
        }
        let l = format!("{}_{}", pick(rng, LOCALS), self.locals.len());
        self.locals.push(l.clone());
        l
    }

    pub(super) fn callee(&self, rng: &mut GenRng) -> String {
        if self.method && rng.random_bool(0.5) {
            return format!("self._{}_{}", pick(rng, VERBS), self.noun);
        }
        if !self.helpers.is_empty() && rng.random_bool(0.6) {
            let h = pick(rng, self.helpers);
            if h != self.fname {
                return h.clone();
            }
        }
        format!("_{}_{}", pick(rng, VERBS), pick(rng, ATTRS))
    }

    fn storage(&self, rng: &mut GenRng) -> String {
        if self.method && !self.self_attrs.is_empty() {
            format!("self._{}", pick(rng, &self.self_attrs))
        } else if !self.consts.is_empty() {
            let c = pick(rng, self.consts);
            if c.ends_with("_REGISTRY") || c.ends_with("_CACHE") {
                return c.clone();
            }
            format!("_{}_CACHE", self.noun.to_uppercase())
        } else {
            format!("_{}_CACHE", self.noun.to_uppercase())
        }
    }

    fn default_value(&self, rng: &mut GenRng) -> String {
        match rng.random_range(0..6) {
            0 if !self.consts.is_empty() => pick(rng, self.consts).clone(),
            1 => "None".into(),
            2 => "[]".into(),
            3 => "{}".into(),
            4 => format!("\"{}\"", pick(rng, OPTIONS)),
            _ => rng.random_range(0..64).to_string(),
        }
    }
}

/// One statement group of a body, lines with relative indentation.
pub(super) fn snippet(rng: &mut GenRng, c: &mut Ctx<'_>) -> Vec<String> {
    let p = c.param(rng);
    match rng.random_range(0..17) {
        0 => vec![format!("if {p} is None:"), format!("    raise ValueError(\"{} must not be None\")", words(&p))],
        1 => {
            let i1 = rng.random_range(0..PY_TYPES.len());
            let i2 = (i1 + rng.random_range(1..PY_TYPES.len())) % PY_TYPES.len();
            let (t1, t2) = (PY_TYPES[i1], PY_TYPES[i2]);
            vec![
                format!("if not isinstance({p}, ({t1}, {t2})):"),
                "    raise TypeError(".to_string(),
                format!("        f\"{}() expected {t1} or {t2} for '{p}', got {{type({p}).__name__}}\"", c.fname),
                "    )".to_string(),
            ]
        }
        2 => {
            let d = c.default_value(rng);
            vec![format!("if {p} is None:"), format!("    {p} = {d}")]
        }
        3 => {
            let res = c.new_local(rng);
            let item = pick(rng, ITEMS);
            let call = c.callee(rng);
            let store = c.storage(rng);
            vec![
                format!("{res} = []"),
                format!("for {item} in {p}:"),
                format!("    if {item} in {store}:"),
                "        continue".to_string(),
                format!("    {res}.append({call}({item}))"),
            ]
        }
        4 => {
            let v = c.new_local(rng);
            let store = c.storage(rng);
            let d = c.default_value(rng);
            vec![format!("{v} = {store}.get({p}, {d})")]
        }
        5 => {
            let v = c.new_local(rng);
            let call = c.callee(rng);
            let i1 = rng.random_range(0..5);
            let (e1, e2) = (EXCEPTIONS[i1], EXCEPTIONS[(i1 + rng.random_range(1..5)) % 5]);
            let mut lines =
                vec!["try:".to_string(), format!("    {v} = {call}({p})"), format!("except ({e1}, {e2}) as err:")];
            if c.has_logging {
                lines.push(format!("    logger.debug(\"could not {} %r: %s\", {p}, err)", pick(rng, VERBS)));
            }
            lines.push(format!("    {v} = None"));
            lines
        }
        6 if c.method => {
            let store = c.storage(rng);
            let v = c.param(rng);
            vec!["with self._lock:".to_string(), format!("    {store}[{p}] = {v}")]
        }
        7 => {
            let v = c.new_local(rng);
            vec![format!("{v} = {{key: val for key, val in dict({p}).items() if val is not None}}")]
        }
        8 => {
            let v = c.new_local(rng);
            let o1 = pick(rng, OPTIONS);
            let o2 = pick(rng, OPTIONS);
            let call = c.callee(rng);
            let q = c.param(rng);
            vec![
                format!("if {p} == \"{o1}\":"),
                format!("    {v} = {call}({q})"),
                format!("elif {p} == \"{o2}\":"),
                format!("    {v} = {q}"),
                "else:".to_string(),
                format!("    raise ValueError(f\"invalid {} {{{p}!r}}\")", words(&p)),
            ]
        }
        9 if c.has_warnings => vec![
            format!("if {p} is not None:"),
            "    warnings.warn(".to_string(),
            format!("        \"The '{p}' keyword is deprecated and will be removed in a future version\","),
            "        FutureWarning,".to_string(),
            "        stacklevel=2,".to_string(),
            "    )".to_string(),
        ],
        10 if c.has_logging => vec![format!("logger.info(\"{} {} %s\", {p})", pick(rng, VERBS), words(c.noun))],
        11 if !c.foreign.is_empty() => {
            let v = c.new_local(rng);
            let f = pick(rng, c.foreign);
            vec![format!("{v} = {f}({p})")]
        }
        12 => {
            let v = c.new_local(rng);
            let call = c.callee(rng);
            vec![format!("{v} = [{call}(x) for x in {p} if x is not None]")]
        }
        13 => {
            let i = if c.locals.iter().any(|l| l == "pos") { "cursor" } else { "pos" };
            c.locals.push(i.to_string());
            vec![
                format!("{i} = 0"),
                format!("while {i} < len({p}):"),
                format!("    if {p}[{i}] is None:"),
                "        break".to_string(),
                format!("    {i} += 1"),
            ]
        }
        14 if c.consts.iter().any(|k| !k.starts_with('_')) => {
            let limits: Vec<&String> = c.consts.iter().filter(|k| !k.starts_with('_')).collect();
            let k = *pick(rng, &limits);
            vec![
                format!("if len({p}) > {k}:"),
                format!("    raise ValueError(f\"too many {}s: {{len({p})}} > {{{k}}}\")", c.noun),
            ]
        }
        15 => vec![format!("if not {p}:"), format!("    return {}", pick(rng, &["None", "[]", "{}", "False", "0"]))],
        _ => {
            let v = c.new_local(rng);
            let call = c.callee(rng);
            let q = c.param(rng);
            if q != p && rng.random_bool(0.5) {
                vec![format!("{v} = {call}({p}, {q})")]
            } else {
                vec![format!("{v} = {call}({p})")]
            }
        }
    }
}

pub(super) fn return_line(rng: &mut GenRng, c: &Ctx<'_>) -> String {
    match rng.random_range(0..5) {
        0 | 1 if !c.locals.is_empty() => format!("return {}", c.locals.last().unwrap()),
        2 if c.method => "return self".to_string(),
        3 if !c.locals.is_empty() && !c.params.is_empty() => {
            format!(
                "return {} if {} is not None else {}",
                pick(rng, &c.locals),
                pick(rng, &c.params),
                pick(rng, &c.locals)
            )
        }
        _ if !c.params.is_empty() => format!("return {}", pick(rng, &c.params)),
        _ => "return None".to_string(),
    }
}
