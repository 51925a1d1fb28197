//! celint's own small syntax tree: only what the analysis needs (names, attributes, calls,
//! constants, control flow, definitions, imports). Lowered from the parser's tree in `lower.rs`,
//! so no other module depends on the parser's types, and the analysis never has to know about
//! the hundred node kinds that cannot matter to a signal handler.

use std::sync::Arc;

/// A byte range in the decoded source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: u32, end: u32) -> Self {
        Span { start, end }
    }
    pub fn contains(&self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

/// Index of a function (or lambda) in [`Module::functions`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FuncIdx(pub u32);

/// Index of a class in [`Module::classes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClassIdx(pub u32);

/// Where a definition lives: the scope that encloses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    Module,
    Function(FuncIdx),
    Class(ClassIdx),
}

#[derive(Debug, Default)]
pub struct Module {
    pub body: Vec<Stmt>,
    pub functions: Vec<Function>,
    pub classes: Vec<Class>,
}

impl Module {
    pub fn function(&self, idx: FuncIdx) -> Option<&Function> {
        self.functions.get(idx.0 as usize)
    }
    pub fn class(&self, idx: ClassIdx) -> Option<&Class> {
        self.classes.get(idx.0 as usize)
    }
}

#[derive(Debug)]
pub struct Function {
    /// `<lambda>` for lambdas.
    pub name: String,
    pub name_span: Span,
    /// The whole definition, decorators included.
    pub span: Span,
    pub decorators: Vec<Expr>,
    pub params: Params,
    pub body: Vec<Stmt>,
    pub is_lambda: bool,
    /// `async def`.
    pub is_async: bool,
    pub parent: Scope,
}

#[derive(Debug, Default)]
pub struct Params {
    /// Positional-only, positional and keyword-only parameter names, in order.
    pub names: Vec<String>,
    /// For each of `names`: does it have a default value?
    pub defaulted: Vec<bool>,
    /// How many of `names` are positional-only (before `/`).
    pub posonly: usize,
    pub vararg: Option<String>,
    pub kwarg: Option<String>,
    /// For a `def`: from the opening to the closing parenthesis. For a lambda: the parameters
    /// without parentheses, empty (just after `lambda`) when there are none.
    pub span: Span,
}

#[derive(Debug)]
pub struct Class {
    pub name: String,
    pub name_span: Span,
    pub span: Span,
    pub bases: Vec<Expr>,
    pub body: Vec<Stmt>,
    pub parent: Scope,
}

#[derive(Debug)]
pub struct ImportAlias {
    /// Dotted name as written (`a.b.c` or, for `from`, a single name or `*`).
    pub name: String,
    pub asname: Option<String>,
    pub span: Span,
}

#[derive(Debug)]
pub struct ExceptHandler {
    pub type_: Option<Expr>,
    pub body: Vec<Stmt>,
}

#[derive(Debug)]
pub enum Stmt {
    Def(FuncIdx),
    Class(ClassIdx),
    Import {
        names: Vec<ImportAlias>,
        span: Span,
    },
    ImportFrom {
        module: Option<String>,
        level: u32,
        names: Vec<ImportAlias>,
        span: Span,
    },
    /// `a = b = value`, `a: T = value`.
    Assign {
        targets: Vec<Expr>,
        value: Arc<Expr>,
        span: Span,
    },
    /// `a += value`: the target is rebound to something not known statically.
    AugAssign {
        target: Expr,
        value: Expr,
    },
    Expr(Expr),
    // Expressions inside compound statements are boxed: a statement is then at most 80 bytes,
    // not 152, and statement lists make up most of a module's memory.
    If {
        test: Box<Expr>,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    /// `match` (each case a branch, like an `if` chain).
    Match {
        subject: Box<Expr>,
        cases: Vec<Vec<Stmt>>,
    },
    For {
        target: Box<Expr>,
        iter: Box<Expr>,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
        span: Span,
    },
    While {
        test: Box<Expr>,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
        span: Span,
    },
    Try {
        body: Vec<Stmt>,
        handlers: Vec<ExceptHandler>,
        orelse: Vec<Stmt>,
        finalbody: Vec<Stmt>,
    },
    With {
        items: Vec<Expr>,
        targets: Vec<Expr>,
        body: Vec<Stmt>,
    },
    Raise {
        exc: Option<Box<Expr>>,
        span: Span,
    },
    Return {
        value: Option<Box<Expr>>,
    },
    /// `global x` / `nonlocal x`.
    Global {
        names: Vec<String>,
        /// `nonlocal`: the names are the enclosing function's, not the module's.
        nonlocal: bool,
    },
    Break,
    Continue,
    /// `pass`, `del`, type aliases and anything else with no effect the rules care about.
    Pass,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mult,
    Div,
    FloorDiv,
    Mod,
    Pow,
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeqKind {
    List,
    Tuple,
    Set,
}

#[derive(Debug)]
pub struct Call {
    pub func: Expr,
    pub args: Vec<Expr>,
    pub keywords: Vec<Keyword>,
    pub span: Span,
    /// The parenthesised argument list.
    pub args_span: Span,
}

impl Call {
    pub fn keyword(&self, name: &str) -> Option<&Expr> {
        self.keywords
            .iter()
            .find(|k| k.arg.as_deref() == Some(name))
            .map(|k| &k.value)
    }
    /// `**mapping` arguments make the keyword set unknown.
    pub fn has_double_star(&self) -> bool {
        self.keywords.iter().any(|k| k.arg.is_none())
    }
    pub fn has_star_args(&self) -> bool {
        self.args.iter().any(|a| matches!(a, Expr::Starred { .. }))
    }
}

#[derive(Debug)]
pub struct Keyword {
    /// `None` for `**mapping`.
    pub arg: Option<String>,
    pub value: Expr,
}

#[derive(Debug)]
pub enum Expr {
    Name {
        id: String,
        span: Span,
    },
    Attribute {
        value: Box<Expr>,
        attr: String,
        span: Span,
    },
    Call(Box<Call>),
    Number {
        value: f64,
        span: Span,
    },
    Str {
        value: String,
        span: Span,
    },
    Bool {
        value: bool,
        span: Span,
    },
    NoneLit {
        span: Span,
    },
    BinOp {
        left: Box<Expr>,
        op: BinOp,
        right: Box<Expr>,
        span: Span,
    },
    Neg {
        operand: Box<Expr>,
        span: Span,
    },
    Lambda {
        func: FuncIdx,
        span: Span,
    },
    Seq {
        kind: SeqKind,
        elts: Vec<Expr>,
        span: Span,
    },
    Dict {
        items: Vec<(Option<Expr>, Expr)>,
        span: Span,
    },
    Subscript {
        value: Box<Expr>,
        index: Box<Expr>,
        span: Span,
    },
    Starred {
        value: Box<Expr>,
        span: Span,
    },
    /// Any other expression; its sub-expressions are kept in evaluation order, so calls inside
    /// comprehensions, f-strings, boolean operators and the like are still seen.
    Other {
        children: Vec<Expr>,
        /// What the opaque node is, where a rule needs to know.
        kind: OtherKind,
        span: Span,
    },
}

/// The kinds of node lowered as [`Expr::Other`] that a rule tells apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OtherKind {
    /// An f-string, with its literal parts joined (what every value of it contains).
    FString {
        literal: String,
    },
    /// A comparison with `in` or `not in` (`'task' in headers`); its children are the operands.
    Membership,
    Other,
}

impl Expr {
    pub fn span(&self) -> Span {
        match self {
            Expr::Call(call) => call.span,
            Expr::Name { span, .. }
            | Expr::Attribute { span, .. }
            | Expr::Number { span, .. }
            | Expr::Str { span, .. }
            | Expr::Bool { span, .. }
            | Expr::NoneLit { span }
            | Expr::BinOp { span, .. }
            | Expr::Neg { span, .. }
            | Expr::Lambda { span, .. }
            | Expr::Seq { span, .. }
            | Expr::Dict { span, .. }
            | Expr::Subscript { span, .. }
            | Expr::Starred { span, .. }
            | Expr::Other { span, .. } => *span,
        }
    }

    /// `a.b.c` as a dotted string, if the expression is only names and attributes.
    pub fn dotted(&self) -> Option<String> {
        match self {
            Expr::Name { id, .. } => Some(id.clone()),
            Expr::Attribute { value, attr, .. } => {
                let mut base = value.dotted()?;
                base.push('.');
                base.push_str(attr);
                Some(base)
            }
            _ => None,
        }
    }

    pub fn as_name(&self) -> Option<&str> {
        match self {
            Expr::Name { id, .. } => Some(id),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Expr::Str { value, .. } => Some(value),
            _ => None,
        }
    }
}
