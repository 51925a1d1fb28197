//! Which exception classes outside the project derive from `Exception` (and so are caught by
//! `Signal.send`, which catches `Exception` only) and which derive from `BaseException` alone
//! (and so propagate). Checked by importing every module listed here (CPython 3.11, celery 5.7.0,
//! kombu 5.7.0, billiard 4.3.2, Django 5.2, redis 8.1, requests 2.34, SQLAlchemy 2.1) and testing
//! `issubclass(cls, Exception)` on every exception class each one defines or re-exports.

/// Is an outside class, by its dotted path, an `Exception`?
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Derives {
    /// An `Exception` subclass: `Signal.send` catches it.
    Exception,
    /// A `BaseException` that is not an `Exception`: it propagates. (A builtin that is no
    /// exception class at all, `raise print`, is put here too: nobody means to stop with it.)
    NotException,
    /// Not known: neither claim is made.
    Unknown,
}

/// Builtins that derive from `BaseException` but not from `Exception`.
const BUILTIN_BASE_ONLY: &[&str] = &[
    "BaseException",
    "BaseExceptionGroup",
    "GeneratorExit",
    "KeyboardInterrupt",
    "SystemExit",
];

/// Every builtin `Exception` subclass (CPython 3.11, plus `PythonFinalizationError` of 3.13).
const BUILTIN_EXCEPTIONS: &[&str] = &[
    "ArithmeticError",
    "AssertionError",
    "AttributeError",
    "BlockingIOError",
    "BrokenPipeError",
    "BufferError",
    "BytesWarning",
    "ChildProcessError",
    "ConnectionAbortedError",
    "ConnectionError",
    "ConnectionRefusedError",
    "ConnectionResetError",
    "DeprecationWarning",
    "EOFError",
    "EncodingWarning",
    "EnvironmentError",
    "Exception",
    "ExceptionGroup",
    "FileExistsError",
    "FileNotFoundError",
    "FloatingPointError",
    "FutureWarning",
    "IOError",
    "ImportError",
    "ImportWarning",
    "IndentationError",
    "IndexError",
    "InterruptedError",
    "IsADirectoryError",
    "KeyError",
    "LookupError",
    "MemoryError",
    "ModuleNotFoundError",
    "NameError",
    "NotADirectoryError",
    "NotImplementedError",
    "OSError",
    "OverflowError",
    "PendingDeprecationWarning",
    "PermissionError",
    "ProcessLookupError",
    "PythonFinalizationError",
    "RecursionError",
    "ReferenceError",
    "ResourceWarning",
    "RuntimeError",
    "RuntimeWarning",
    "StopAsyncIteration",
    "StopIteration",
    "SyntaxError",
    "SyntaxWarning",
    "SystemError",
    "TabError",
    "TimeoutError",
    "TypeError",
    "UnboundLocalError",
    "UnicodeDecodeError",
    "UnicodeEncodeError",
    "UnicodeError",
    "UnicodeTranslateError",
    "UnicodeWarning",
    "UserWarning",
    "ValueError",
    "Warning",
    "ZeroDivisionError",
];

/// Outside classes that are `BaseException`s but not `Exception`s, in modules that otherwise
/// hold only `Exception`s (`WorkerShutdown` and `WorkerTerminate` are `SystemExit`s).
const OUTSIDE_BASE_ONLY: &[&str] = &[
    "celery.exceptions.WorkerShutdown",
    "celery.exceptions.WorkerTerminate",
    "celery.exceptions.SystemTerminate",
    "asyncio.CancelledError",
    "asyncio.exceptions.CancelledError",
];

/// Modules in which every exception class is an `Exception` (apart from the classes of
/// [`OUTSIDE_BASE_ONLY`]): a class named directly in one of them is an `Exception`.
const EXCEPTION_MODULES: &[&str] = &[
    "celery.exceptions",
    "kombu.exceptions",
    "billiard.exceptions",
    "django.core.exceptions",
    "redis.exceptions",
    "requests.exceptions",
    "sqlalchemy.exc",
    "subprocess",
    "json",
    "configparser",
    "urllib.error",
    "http.client",
    "ssl",
    "sqlite3",
    "socket",
    "concurrent.futures",
    "asyncio",
    "asyncio.exceptions",
    "shutil",
    "zipfile",
    "tarfile",
    "pickle",
    "queue",
    "smtplib",
    "email.errors",
];

/// What the class at `path` (`builtins.ValueError`, `django.core.exceptions.ImproperlyConfigured`)
/// derives from, as far as this table knows.
pub fn outside(path: &str) -> Derives {
    if let Some(name) = path.strip_prefix("builtins.") {
        return if BUILTIN_EXCEPTIONS.contains(&name) {
            Derives::Exception
        } else {
            Derives::NotException
        };
    }
    if OUTSIDE_BASE_ONLY.contains(&path) {
        return Derives::NotException;
    }
    match path.rsplit_once('.') {
        Some((module, name))
            if EXCEPTION_MODULES.contains(&module)
                && name.chars().next().is_some_and(char::is_uppercase) =>
        {
            Derives::Exception
        }
        _ => Derives::Unknown,
    }
}

/// Is `name` a builtin exception class (of either kind)?
pub fn is_builtin_class(name: &str) -> bool {
    BUILTIN_EXCEPTIONS.contains(&name) || BUILTIN_BASE_ONLY.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_project_and_outside_classes() {
        assert_eq!(outside("builtins.RuntimeError"), Derives::Exception);
        assert_eq!(outside("builtins.StopIteration"), Derives::Exception);
        for base in BUILTIN_BASE_ONLY {
            assert_eq!(outside(&format!("builtins.{base}")), Derives::NotException);
        }
        assert_eq!(outside("builtins.print"), Derives::NotException);
        assert_eq!(
            outside("django.core.exceptions.ImproperlyConfigured"),
            Derives::Exception
        );
        assert_eq!(
            outside("celery.exceptions.ImproperlyConfigured"),
            Derives::Exception
        );
        assert_eq!(
            outside("celery.exceptions.WorkerShutdown"),
            Derives::NotException
        );
        assert_eq!(outside("asyncio.CancelledError"), Derives::NotException);
        assert_eq!(outside("asyncio.InvalidStateError"), Derives::Exception);
        // A library not in the table, a submodule, a lower-case attribute: not known.
        assert_eq!(outside("gevent.Timeout"), Derives::Unknown);
        assert_eq!(outside("somelib.errors.ConfigError"), Derives::Unknown);
        assert_eq!(outside("celery.exceptions.x.Y"), Derives::Unknown);
        assert_eq!(outside("subprocess.run"), Derives::Unknown);
        assert!(is_builtin_class("KeyboardInterrupt") && !is_builtin_class("print"));
    }
}
