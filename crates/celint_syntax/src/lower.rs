//! Lowers the parser's tree into celint's [`ir`](super::ir). This file and `mod.rs` are the only
//! places that name `ruff_python_*` types.

use std::sync::Arc;

use ruff_python_ast as ast;
use ruff_python_ast::visitor::{walk_expr, Visitor};
use ruff_text_size::{Ranged, TextRange};

use super::ir::{
    BinOp, Call, Class, ClassIdx, ExceptHandler, Expr, FuncIdx, Function, ImportAlias, Keyword,
    Module, OtherKind, Params, Scope, SeqKind, Span, Stmt,
};

/// Nesting deeper than this is replaced by an opaque node: CPython itself refuses about 200
/// nested parentheses, and the analysis recurses over the lowered tree.
const MAX_DEPTH: u32 = 400;

pub(super) fn lower_module(body: &[ast::Stmt]) -> Module {
    let mut lowerer = Lowerer {
        module: Module::default(),
        depth: 0,
    };
    let lowered = lowerer.stmts(body, Scope::Module);
    lowerer.module.body = lowered;
    lowerer.module
}

fn span(range: TextRange) -> Span {
    Span::new(range.start().to_u32(), range.end().to_u32())
}

struct Lowerer {
    module: Module,
    depth: u32,
}

impl Lowerer {
    fn stmts(&mut self, body: &[ast::Stmt], scope: Scope) -> Vec<Stmt> {
        let mut out = Vec::with_capacity(body.len());
        for stmt in body {
            if self.depth > MAX_DEPTH {
                break;
            }
            self.depth += 1;
            let lowered = self.stmt(stmt, scope);
            self.depth -= 1;
            out.push(lowered);
        }
        out
    }

    fn stmt(&mut self, stmt: &ast::Stmt, scope: Scope) -> Stmt {
        match stmt {
            ast::Stmt::FunctionDef(def) => {
                let decorators = def
                    .decorator_list
                    .iter()
                    .map(|d| self.expr(&d.expression, scope))
                    .collect();
                let idx = FuncIdx(self.module.functions.len() as u32);
                self.module.functions.push(Function {
                    name: def.name.id.to_string(),
                    name_span: span(def.name.range),
                    span: span(def.range),
                    decorators,
                    params: params(Some(&def.parameters), def.parameters.range),
                    body: Vec::new(),
                    is_lambda: false,
                    is_async: def.is_async,
                    parent: scope,
                });
                let body = self.stmts(&def.body, Scope::Function(idx));
                if let Some(f) = self.module.functions.get_mut(idx.0 as usize) {
                    f.body = body;
                }
                Stmt::Def(idx)
            }
            ast::Stmt::ClassDef(class) => {
                let bases = class
                    .arguments
                    .as_ref()
                    .map(|a| a.args.iter().map(|b| self.expr(b, scope)).collect())
                    .unwrap_or_default();
                let idx = ClassIdx(self.module.classes.len() as u32);
                self.module.classes.push(Class {
                    name: class.name.id.to_string(),
                    name_span: span(class.name.range),
                    span: span(class.range),
                    bases,
                    body: Vec::new(),
                    parent: scope,
                });
                let body = self.stmts(&class.body, Scope::Class(idx));
                if let Some(c) = self.module.classes.get_mut(idx.0 as usize) {
                    c.body = body;
                }
                Stmt::Class(idx)
            }
            ast::Stmt::Return(ret) => Stmt::Return {
                value: ret.value.as_ref().map(|v| Box::new(self.expr(v, scope))),
            },
            ast::Stmt::Assign(assign) => Stmt::Assign {
                targets: assign.targets.iter().map(|t| self.expr(t, scope)).collect(),
                value: Arc::new(self.expr(&assign.value, scope)),
                span: span(assign.range),
            },
            ast::Stmt::AnnAssign(assign) => match &assign.value {
                Some(value) => Stmt::Assign {
                    targets: vec![self.expr(&assign.target, scope)],
                    value: Arc::new(self.expr(value, scope)),
                    span: span(assign.range),
                },
                None => Stmt::Pass,
            },
            ast::Stmt::AugAssign(assign) => Stmt::AugAssign {
                target: self.expr(&assign.target, scope),
                value: self.expr(&assign.value, scope),
            },
            ast::Stmt::For(for_) => Stmt::For {
                target: Box::new(self.expr(&for_.target, scope)),
                iter: Box::new(self.expr(&for_.iter, scope)),
                body: self.stmts(&for_.body, scope),
                orelse: self.stmts(&for_.orelse, scope),
                span: span(for_.range),
            },
            ast::Stmt::While(while_) => Stmt::While {
                test: Box::new(self.expr(&while_.test, scope)),
                body: self.stmts(&while_.body, scope),
                orelse: self.stmts(&while_.orelse, scope),
                span: span(while_.range),
            },
            ast::Stmt::If(if_) => {
                let test = Box::new(self.expr(&if_.test, scope));
                let body = self.stmts(&if_.body, scope);
                // `elif` chains become nested `if`s in the else branch.
                let mut orelse = Vec::new();
                for clause in if_.elif_else_clauses.iter().rev() {
                    let clause_body = self.stmts(&clause.body, scope);
                    orelse = match &clause.test {
                        Some(test) => vec![Stmt::If {
                            test: Box::new(self.expr(test, scope)),
                            body: clause_body,
                            orelse,
                        }],
                        None => clause_body,
                    };
                }
                Stmt::If { test, body, orelse }
            }
            ast::Stmt::With(with) => Stmt::With {
                items: with
                    .items
                    .iter()
                    .map(|i| self.expr(&i.context_expr, scope))
                    .collect(),
                targets: with
                    .items
                    .iter()
                    .filter_map(|i| i.optional_vars.as_ref().map(|v| self.expr(v, scope)))
                    .collect(),
                body: self.stmts(&with.body, scope),
            },
            ast::Stmt::Match(match_) => Stmt::Match {
                subject: Box::new(self.expr(&match_.subject, scope)),
                cases: match_
                    .cases
                    .iter()
                    .map(|c| self.stmts(&c.body, scope))
                    .collect(),
            },
            ast::Stmt::Raise(raise) => Stmt::Raise {
                exc: raise.exc.as_ref().map(|e| Box::new(self.expr(e, scope))),
                span: span(raise.range),
            },
            ast::Stmt::Try(try_) => Stmt::Try {
                body: self.stmts(&try_.body, scope),
                handlers: try_
                    .handlers
                    .iter()
                    .map(|h| {
                        let ast::ExceptHandler::ExceptHandler(h) = h;
                        ExceptHandler {
                            type_: h.type_.as_ref().map(|t| self.expr(t, scope)),
                            body: self.stmts(&h.body, scope),
                        }
                    })
                    .collect(),
                orelse: self.stmts(&try_.orelse, scope),
                finalbody: self.stmts(&try_.finalbody, scope),
            },
            ast::Stmt::Assert(assert) => Stmt::Expr(Expr::Other {
                children: std::iter::once(&*assert.test)
                    .chain(assert.msg.as_deref())
                    .map(|e| self.expr(e, scope))
                    .collect(),
                kind: OtherKind::Other,
                span: span(assert.range),
            }),
            ast::Stmt::Import(import) => Stmt::Import {
                names: import.names.iter().map(alias).collect(),
                span: span(import.range),
            },
            ast::Stmt::ImportFrom(import) => Stmt::ImportFrom {
                module: import.module.as_ref().map(|m| m.id.to_string()),
                level: import.level,
                names: import.names.iter().map(alias).collect(),
                span: span(import.range),
            },
            ast::Stmt::Global(global) => Stmt::Global {
                names: global.names.iter().map(|n| n.id.to_string()).collect(),
                nonlocal: false,
            },
            ast::Stmt::Nonlocal(nonlocal) => Stmt::Global {
                names: nonlocal.names.iter().map(|n| n.id.to_string()).collect(),
                nonlocal: true,
            },
            ast::Stmt::Expr(expr) => Stmt::Expr(self.expr(&expr.value, scope)),
            ast::Stmt::Break(_) => Stmt::Break,
            ast::Stmt::Continue(_) => Stmt::Continue,
            // `del body['eta']`: the targets are read as expressions (a subscript of a tuple
            // fails there as well).
            ast::Stmt::Delete(del) => Stmt::Expr(Expr::Other {
                children: del.targets.iter().map(|t| self.expr(t, scope)).collect(),
                kind: OtherKind::Other,
                span: span(del.range),
            }),
            ast::Stmt::TypeAlias(_) | ast::Stmt::Pass(_) | ast::Stmt::IpyEscapeCommand(_) => {
                Stmt::Pass
            }
        }
    }

    fn expr(&mut self, expr: &ast::Expr, scope: Scope) -> Expr {
        if self.depth > MAX_DEPTH {
            return Expr::Other {
                children: Vec::new(),
                kind: OtherKind::Other,
                span: span(expr.range()),
            };
        }
        self.depth += 1;
        let lowered = self.expr_inner(expr, scope);
        self.depth -= 1;
        lowered
    }

    fn expr_inner(&mut self, expr: &ast::Expr, scope: Scope) -> Expr {
        let sp = span(expr.range());
        match expr {
            ast::Expr::Name(name) => Expr::Name {
                id: name.id.to_string(),
                span: sp,
            },
            ast::Expr::Attribute(attr) => Expr::Attribute {
                value: Box::new(self.expr(&attr.value, scope)),
                attr: attr.attr.id.to_string(),
                span: sp,
            },
            ast::Expr::Call(call) => Expr::Call(Box::new(Call {
                func: self.expr(&call.func, scope),
                args: call
                    .arguments
                    .args
                    .iter()
                    .map(|a| self.expr(a, scope))
                    .collect(),
                keywords: call
                    .arguments
                    .keywords
                    .iter()
                    .map(|k| Keyword {
                        arg: k.arg.as_ref().map(|a| a.id.to_string()),
                        value: self.expr(&k.value, scope),
                    })
                    .collect(),
                span: sp,
                args_span: span(call.arguments.range),
            })),
            ast::Expr::NumberLiteral(num) => match &num.value {
                ast::Number::Int(i) => match i.as_i64() {
                    Some(v) => Expr::Number {
                        value: v as f64,
                        span: sp,
                    },
                    None => Expr::Other {
                        children: Vec::new(),
                        kind: OtherKind::Other,
                        span: sp,
                    },
                },
                ast::Number::Float(f) => Expr::Number {
                    value: *f,
                    span: sp,
                },
                ast::Number::Complex { .. } => Expr::Other {
                    children: Vec::new(),
                    kind: OtherKind::Other,
                    span: sp,
                },
            },
            ast::Expr::StringLiteral(s) => Expr::Str {
                value: s.value.to_str().to_string(),
                span: sp,
            },
            ast::Expr::BooleanLiteral(b) => Expr::Bool {
                value: b.value,
                span: sp,
            },
            ast::Expr::NoneLiteral(_) => Expr::NoneLit { span: sp },
            ast::Expr::BinOp(bin) => Expr::BinOp {
                left: Box::new(self.expr(&bin.left, scope)),
                op: match bin.op {
                    ast::Operator::Add => BinOp::Add,
                    ast::Operator::Sub => BinOp::Sub,
                    ast::Operator::Mult => BinOp::Mult,
                    ast::Operator::Div => BinOp::Div,
                    ast::Operator::FloorDiv => BinOp::FloorDiv,
                    ast::Operator::Mod => BinOp::Mod,
                    ast::Operator::Pow => BinOp::Pow,
                    _ => BinOp::Other,
                },
                right: Box::new(self.expr(&bin.right, scope)),
                span: sp,
            },
            ast::Expr::UnaryOp(unary) if unary.op == ast::UnaryOp::USub => Expr::Neg {
                operand: Box::new(self.expr(&unary.operand, scope)),
                span: sp,
            },
            ast::Expr::UnaryOp(unary) if unary.op == ast::UnaryOp::UAdd => {
                self.expr(&unary.operand, scope)
            }
            ast::Expr::Lambda(lambda) => {
                let idx = FuncIdx(self.module.functions.len() as u32);
                let params_range =
                    lambda
                        .parameters
                        .as_ref()
                        .map(|p| p.range)
                        .unwrap_or_else(|| {
                            TextRange::empty(
                                lambda.range.start() + ruff_text_size::TextSize::new(6),
                            )
                        });
                self.module.functions.push(Function {
                    name: "<lambda>".to_string(),
                    name_span: sp,
                    span: sp,
                    decorators: Vec::new(),
                    params: params(lambda.parameters.as_deref(), params_range),
                    body: Vec::new(),
                    is_lambda: true,
                    is_async: false,
                    parent: scope,
                });
                let body_expr = self.expr(&lambda.body, Scope::Function(idx));
                if let Some(f) = self.module.functions.get_mut(idx.0 as usize) {
                    f.body = vec![Stmt::Return {
                        value: Some(Box::new(body_expr)),
                    }];
                }
                Expr::Lambda {
                    func: idx,
                    span: sp,
                }
            }
            ast::Expr::List(list) => self.seq(SeqKind::List, &list.elts, sp, scope),
            ast::Expr::Tuple(tuple) => self.seq(SeqKind::Tuple, &tuple.elts, sp, scope),
            ast::Expr::Set(set) => self.seq(SeqKind::Set, &set.elts, sp, scope),
            ast::Expr::Dict(dict) => Expr::Dict {
                items: dict
                    .items
                    .iter()
                    .map(|item| {
                        (
                            item.key.as_ref().map(|k| self.expr(k, scope)),
                            self.expr(&item.value, scope),
                        )
                    })
                    .collect(),
                span: sp,
            },
            ast::Expr::Subscript(sub) => Expr::Subscript {
                value: Box::new(self.expr(&sub.value, scope)),
                index: Box::new(self.expr(&sub.slice, scope)),
                span: sp,
            },
            ast::Expr::Starred(star) => Expr::Starred {
                value: Box::new(self.expr(&star.value, scope)),
                span: sp,
            },
            _ => {
                // Everything else: keep the direct sub-expressions (the generic visitor finds
                // them, including those inside comprehensions and f-string replacement fields).
                let mut collector = Children { out: Vec::new() };
                walk_expr(&mut collector, expr);
                let children = collector
                    .out
                    .into_iter()
                    .map(|child| self.expr(child, scope))
                    .collect();
                let kind = match expr {
                    ast::Expr::FString(f) => OtherKind::FString {
                        literal: fstring_literal(&f.value),
                    },
                    ast::Expr::Compare(c)
                        if c.ops
                            .iter()
                            .any(|op| matches!(op, ast::CmpOp::In | ast::CmpOp::NotIn)) =>
                    {
                        OtherKind::Membership
                    }
                    _ => OtherKind::Other,
                };
                Expr::Other {
                    children,
                    kind,
                    span: sp,
                }
            }
        }
    }

    fn seq(&mut self, kind: SeqKind, elts: &[ast::Expr], sp: Span, scope: Scope) -> Expr {
        Expr::Seq {
            kind,
            elts: elts.iter().map(|e| self.expr(e, scope)).collect(),
            span: sp,
        }
    }
}

/// Collects the direct child expressions of one expression.
struct Children<'a> {
    out: Vec<&'a ast::Expr>,
}

impl<'a> Visitor<'a> for Children<'a> {
    fn visit_expr(&mut self, expr: &'a ast::Expr) {
        self.out.push(expr);
    }
}

fn alias(alias: &ast::Alias) -> ImportAlias {
    ImportAlias {
        name: alias.name.id.to_string(),
        asname: alias.asname.as_ref().map(|a| a.id.to_string()),
        span: span(alias.range),
    }
}

/// The literal parts of an f-string, joined: text every value of it contains.
fn fstring_literal(value: &ast::FStringValue) -> String {
    let mut out = String::new();
    for part in value.iter() {
        match part {
            ast::FStringPart::Literal(l) => out.push_str(&l.value),
            ast::FStringPart::FString(f) => {
                for l in f.elements.literals() {
                    out.push_str(&l.value);
                }
            }
        }
    }
    out
}

fn params(parameters: Option<&ast::Parameters>, range: TextRange) -> Params {
    let Some(p) = parameters else {
        return Params {
            span: span(range),
            ..Params::default()
        };
    };
    let all = || {
        p.posonlyargs
            .iter()
            .chain(p.args.iter())
            .chain(p.kwonlyargs.iter())
    };
    Params {
        names: all().map(|a| a.parameter.name.id.to_string()).collect(),
        defaulted: all().map(|a| a.default.is_some()).collect(),
        posonly: p.posonlyargs.len(),
        vararg: p.vararg.as_ref().map(|v| v.name.id.to_string()),
        kwarg: p.kwarg.as_ref().map(|k| k.name.id.to_string()),
        span: span(p.range),
    }
}
