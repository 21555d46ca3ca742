//! The line writer of one module: indentation, docstrings, imports, functions and classes
//! recorded as they are written.

use super::body::{return_line, snippet};
use super::*;

impl Writer {
    pub(super) fn push(&mut self, indent: usize, s: &str) {
        if s.is_empty() {
            self.lines.push(String::new());
        } else {
            let mut l = " ".repeat(indent);
            l.push_str(s);
            self.lines.push(l);
        }
    }

    pub(super) fn blank(&mut self, n: usize) {
        for _ in 0..n {
            self.lines.push(String::new());
        }
    }

    pub(super) fn docstring(&mut self, indent: usize, summary: &str, para: Option<&str>, params: &[String]) {
        if para.is_none() && params.is_empty() {
            self.push(indent, &format!("\"\"\"{summary}\"\"\""));
            return;
        }
        self.push(indent, &format!("\"\"\"{summary}"));
        if let Some(p) = para {
            self.blank(1);
            for l in wrap(p, 76usize.saturating_sub(indent)) {
                self.push(indent, &l);
            }
        }
        if !params.is_empty() {
            self.blank(1);
            if self.numpy_doc {
                self.push(indent, "Parameters");
                self.push(indent, "----------");
                for p in params {
                    self.push(indent, &format!("{p} : object, optional"));
                    self.push(indent + 4, &format!("The {} to use.", words(p)));
                }
            } else {
                self.push(indent, "Args:");
                for p in params {
                    self.push(indent + 4, &format!("{p}: The {} to use.", words(p)));
                }
            }
        }
        self.push(indent, "\"\"\"");
    }

    /// Writes a function or method; returns nothing, records a [`Func`].
    #[allow(clippy::too_many_arguments)]
    pub(super) fn function(
        &mut self,
        rng: &mut GenRng,
        indent: usize,
        name: &str,
        class: Option<&str>,
        self_attrs: &[String],
        consts: &[String],
        foreign: &[String],
        helpers: &[String],
        noun: &str,
        flags: (bool, bool),
    ) {
        let method = class.is_some();
        // Module functions always take something, so that body templates have a name to use.
        let n_params = rng.random_range(usize::from(!method)..=3);
        let mut params: Vec<String> = Vec::new();
        for _ in 0..n_params * 2 {
            if params.len() == n_params {
                break;
            }
            let p = pick(rng, ATTRS).to_string();
            if !params.contains(&p) {
                params.push(p);
            }
        }
        let mut sig_parts: Vec<String> = Vec::new();
        if method {
            sig_parts.push("self".into());
        }
        let n_required = if params.is_empty() { 0 } else { rng.random_range(1..=params.len()) };
        for (i, p) in params.iter().enumerate() {
            if i < n_required {
                sig_parts.push(p.clone());
            } else {
                let d = match rng.random_range(0..4) {
                    0 => "None".to_string(),
                    1 => "False".to_string(),
                    2 => format!("\"{}\"", pick(rng, OPTIONS)),
                    _ => rng.random_range(0..16).to_string(),
                };
                sig_parts.push(format!("{p}={d}"));
            }
        }
        if rng.random_bool(0.15) {
            sig_parts.push("**kwargs".into());
        }
        let one_line = format!("def {name}({}):", sig_parts.join(", "));
        let def_line = self.lines.len();
        let one_line_def = indent + one_line.len() <= 88;
        if one_line_def {
            self.push(indent, &one_line);
        } else {
            self.push(indent, &format!("def {name}("));
            for s in &sig_parts {
                self.push(indent + 4, &format!("{s},"));
            }
            self.push(indent, "):");
        }
        let bi = indent + 4;
        let verb = name.trim_start_matches('_').split('_').next().unwrap_or("get");
        let obj = name.split('_').skip(1).collect::<Vec<_>>().join(" ");
        let summary = match rng.random_range(0..4) {
            0 => format!("{} the {} {}.", cap(verb), noun, obj),
            1 => format!("{} {} for this {}.", cap(verb), obj, noun),
            2 => format!("Return the {} {} of the {}.", pick(rng, ADJS), obj, noun),
            _ => format!("Helper to {verb} {obj} using the configured options."),
        };
        let para = if rng.random_bool(0.3) {
            Some(fill(word(rng, PARAGRAPHS), word(rng, ATTRS), word(rng, ATTRS), noun))
        } else {
            None
        };
        let doc_params: Vec<String> = if rng.random_bool(0.5) { params.clone() } else { Vec::new() };
        if rng.random_bool(0.85) {
            self.docstring(bi, &summary, para.as_deref(), &doc_params);
        }
        let body_start = self.lines.len();
        let mut ctx = Ctx {
            params: params.clone(),
            self_attrs: self_attrs.to_vec(),
            method,
            locals: Vec::new(),
            consts,
            foreign,
            helpers,
            noun,
            fname: name,
            has_logging: flags.0,
            has_warnings: flags.1,
        };
        let n_snippets = rng.random_range(2..=8usize);
        for i in 0..n_snippets {
            if i > 0 && rng.random_bool(0.2) {
                self.blank(1);
            }
            for l in snippet(rng, &mut ctx) {
                self.push(bi, &l);
            }
        }
        let ret = return_line(rng, &ctx);
        self.push(bi, &ret);
        self.funcs.push(Func {
            name: name.to_string(),
            class: class.map(str::to_string),
            def_line,
            one_line_def,
            body_start,
            end: self.lines.len(),
            params,
            indent: bi,
        });
    }
}
