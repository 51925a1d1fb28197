//! The blocking-call catalogue: calls outside the project that block, what kind of work they
//! do, and how an argument bounds them. One table; a new API is one row.
//!
//! Patterns match the dotted path celint resolves a callee to: `time.sleep` exactly;
//! `redis.Redis.*` any method called on an instance of that class (or what a factory in
//! [`FACTORIES`] returns); `*.from_pretrained` any callee whose path ends so.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Sleep,
    Network,
    Database,
    Subprocess,
    ModelLoad,
    Wait,
    Input,
    EventLoop,
    /// Added by the user (`--blocking-call`).
    Custom,
}

impl Kind {
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Sleep => "sleep",
            Kind::Network => "network call",
            Kind::Database => "database connection",
            Kind::Subprocess => "subprocess",
            Kind::ModelLoad => "model loading",
            Kind::Wait => "wait",
            Kind::Input => "read from standard input",
            Kind::EventLoop => "event loop run",
            Kind::Custom => "blocking call",
        }
    }
}

/// Where an argument of the call sits: by position and/or by keyword.
#[derive(Clone, Copy, Debug)]
pub struct Arg {
    pub pos: Option<usize>,
    pub kw: &'static str,
}

#[derive(Clone, Copy, Debug)]
pub enum Bound {
    /// The argument is the duration in seconds (`time.sleep`).
    Duration(Arg),
    /// Blocks until done unless the argument bounds it; `default` is the library's own bound
    /// when the argument is left out (httpx: 5 s; PyMySQL: 10 s).
    Timeout { arg: Arg, default: Option<f64> },
    /// No argument bounds it: its duration is unknown.
    Unbounded,
}

#[derive(Clone, Copy, Debug)]
pub struct Entry {
    pub pattern: &'static str,
    pub kind: Kind,
    pub bound: Bound,
    /// The call does not block when this argument is the constant `False`
    /// (`queue.get(block=False)`, `lock.acquire(blocking=False)`).
    pub nonblocking_when_false: Option<Arg>,
}

const fn arg(pos: Option<usize>, kw: &'static str) -> Arg {
    Arg { pos, kw }
}

const fn entry(pattern: &'static str, kind: Kind, bound: Bound) -> Entry {
    Entry {
        pattern,
        kind,
        bound,
        nonblocking_when_false: None,
    }
}

const TIMEOUT_KW: Bound = Bound::Timeout {
    arg: arg(None, "timeout"),
    default: None,
};
const HTTPX: Bound = Bound::Timeout {
    arg: arg(None, "timeout"),
    default: Some(5.0),
};
const CONNECT_TIMEOUT: Bound = Bound::Timeout {
    arg: arg(None, "connect_timeout"),
    default: None,
};
const WAIT_POS0: Bound = Bound::Timeout {
    arg: arg(Some(0), "timeout"),
    default: None,
};
const WAIT_POS1: Bound = Bound::Timeout {
    arg: arg(Some(1), "timeout"),
    default: None,
};

use Bound::Unbounded;
use Kind::*;

pub static ENTRIES: &[Entry] = &[
    entry("time.sleep", Sleep, Bound::Duration(arg(Some(0), "secs"))),
    entry("asyncio.run", EventLoop, Unbounded),
    // HTTP clients.
    entry("requests.get", Network, TIMEOUT_KW),
    entry("requests.post", Network, TIMEOUT_KW),
    entry("requests.put", Network, TIMEOUT_KW),
    entry("requests.patch", Network, TIMEOUT_KW),
    entry("requests.delete", Network, TIMEOUT_KW),
    entry("requests.head", Network, TIMEOUT_KW),
    entry("requests.options", Network, TIMEOUT_KW),
    entry("requests.request", Network, TIMEOUT_KW),
    entry("requests.Session.get", Network, TIMEOUT_KW),
    entry("requests.Session.post", Network, TIMEOUT_KW),
    entry("requests.Session.put", Network, TIMEOUT_KW),
    entry("requests.Session.patch", Network, TIMEOUT_KW),
    entry("requests.Session.delete", Network, TIMEOUT_KW),
    entry("requests.Session.head", Network, TIMEOUT_KW),
    entry("requests.Session.request", Network, TIMEOUT_KW),
    entry("httpx.get", Network, HTTPX),
    entry("httpx.post", Network, HTTPX),
    entry("httpx.put", Network, HTTPX),
    entry("httpx.patch", Network, HTTPX),
    entry("httpx.delete", Network, HTTPX),
    entry("httpx.head", Network, HTTPX),
    entry("httpx.request", Network, HTTPX),
    entry("httpx.Client.get", Network, HTTPX),
    entry("httpx.Client.post", Network, HTTPX),
    entry("httpx.Client.request", Network, HTTPX),
    entry(
        "urllib.request.urlopen",
        Network,
        Bound::Timeout {
            arg: arg(Some(2), "timeout"),
            default: None,
        },
    ),
    entry("urllib3.request", Network, TIMEOUT_KW),
    entry("urllib3.PoolManager.request", Network, TIMEOUT_KW),
    entry("urllib3.PoolManager.urlopen", Network, TIMEOUT_KW),
    entry("socket.create_connection", Network, WAIT_POS1),
    entry("socket.socket.connect", Network, Unbounded),
    entry("socket.socket.recv", Network, Unbounded),
    entry("socket.socket.accept", Network, Unbounded),
    entry("socket.getaddrinfo", Network, Unbounded),
    entry("socket.gethostbyname", Network, Unbounded),
    // Database drivers (sqlite3 is local and is not listed).
    entry("psycopg2.connect", Database, CONNECT_TIMEOUT),
    entry("psycopg.connect", Database, CONNECT_TIMEOUT),
    entry("psycopg.Connection.connect", Database, CONNECT_TIMEOUT),
    entry(
        "pymysql.connect",
        Database,
        Bound::Timeout {
            arg: arg(None, "connect_timeout"),
            default: Some(10.0),
        },
    ),
    entry("MySQLdb.connect", Database, CONNECT_TIMEOUT),
    // Redis: the client is lazy; its commands talk to the server.
    entry("redis.Redis.*", Network, Unbounded),
    entry("pika.BlockingConnection", Network, Unbounded),
    entry("kombu.Connection.connect", Network, Unbounded),
    entry("kombu.Connection.ensure_connection", Network, Unbounded),
    entry("kombu.Connection.drain_events", Network, TIMEOUT_KW),
    entry("boto3.client.*", Network, Unbounded),
    // Subprocesses.
    entry("subprocess.run", Subprocess, TIMEOUT_KW),
    entry("subprocess.call", Subprocess, TIMEOUT_KW),
    entry("subprocess.check_call", Subprocess, TIMEOUT_KW),
    entry("subprocess.check_output", Subprocess, TIMEOUT_KW),
    entry("subprocess.getoutput", Subprocess, Unbounded),
    entry("subprocess.getstatusoutput", Subprocess, Unbounded),
    entry("subprocess.Popen.wait", Subprocess, WAIT_POS0),
    entry("subprocess.Popen.communicate", Subprocess, WAIT_POS1),
    entry("os.system", Subprocess, Unbounded),
    // Model loading.
    entry("torch.load", ModelLoad, Unbounded),
    entry("*.from_pretrained", ModelLoad, Unbounded),
    entry("spacy.load", ModelLoad, Unbounded),
    entry(
        "sentence_transformers.SentenceTransformer",
        ModelLoad,
        Unbounded,
    ),
    entry("tensorflow.keras.models.load_model", ModelLoad, Unbounded),
    entry("keras.models.load_model", ModelLoad, Unbounded),
    entry("keras.saving.load_model", ModelLoad, Unbounded),
    entry("joblib.load", ModelLoad, Unbounded),
    // Waits on threads, events, queues, locks.
    entry("threading.Thread.join", Wait, WAIT_POS0),
    entry("threading.Event.wait", Wait, WAIT_POS0),
    entry("threading.Condition.wait", Wait, WAIT_POS0),
    entry("threading.Barrier.wait", Wait, WAIT_POS0),
    entry("multiprocessing.Process.join", Wait, WAIT_POS0),
    Entry {
        pattern: "queue.Queue.get",
        kind: Wait,
        bound: WAIT_POS1,
        nonblocking_when_false: Some(arg(Some(0), "block")),
    },
    Entry {
        pattern: "multiprocessing.Queue.get",
        kind: Wait,
        bound: WAIT_POS1,
        nonblocking_when_false: Some(arg(Some(0), "block")),
    },
    entry("queue.Queue.join", Wait, Unbounded),
    Entry {
        pattern: "threading.Lock.acquire",
        kind: Wait,
        bound: WAIT_POS1,
        nonblocking_when_false: Some(arg(Some(0), "blocking")),
    },
    Entry {
        pattern: "threading.Semaphore.acquire",
        kind: Wait,
        bound: WAIT_POS1,
        nonblocking_when_false: Some(arg(Some(0), "blocking")),
    },
    entry("builtins.input", Input, Unbounded),
];

/// Methods of a `*`-entry's instances that do not talk to the server.
const LOCAL_METHODS: &[&str] = &[
    "pipeline",
    "pubsub",
    "lock",
    "close",
    "register_script",
    "get_connection_kwargs",
    "set_response_callback",
    "get_encoder",
    "get_paginator",
    "get_waiter",
    "can_paginate",
    "meta",
    "exceptions",
];

/// Factories and aliases, so that what they return is matched as the class it is.
const FACTORIES: &[(&str, &str)] = &[
    ("redis.StrictRedis", "redis.Redis"),
    ("redis.client.Redis", "redis.Redis"),
    ("redis.client.StrictRedis", "redis.Redis"),
    ("redis.from_url", "redis.Redis"),
    ("redis.Redis.from_url", "redis.Redis"),
    ("redis.StrictRedis.from_url", "redis.Redis"),
    ("requests.session", "requests.Session"),
    ("requests.sessions.Session", "requests.Session"),
    ("boto3.session.Session.client", "boto3.client"),
    ("boto3.Session.client", "boto3.client"),
    ("threading.RLock", "threading.Lock"),
    ("threading.BoundedSemaphore", "threading.Semaphore"),
    ("multiprocessing.Lock", "threading.Lock"),
    ("queue.LifoQueue", "queue.Queue"),
    ("queue.PriorityQueue", "queue.Queue"),
    ("queue.SimpleQueue", "queue.Queue"),
    ("multiprocessing.JoinableQueue", "multiprocessing.Queue"),
    ("kombu.connection.Connection", "kombu.Connection"),
    ("celery.Celery.connection", "kombu.Connection"),
    ("celery.Celery.connection_for_write", "kombu.Connection"),
    ("celery.Celery.connection_for_read", "kombu.Connection"),
];

/// The class a call of `path` returns, for the paths in [`FACTORIES`]; else `path` itself.
pub fn normalize_factory(path: &str) -> &str {
    FACTORIES
        .iter()
        .find(|(from, _)| *from == path)
        .map(|(_, to)| *to)
        .unwrap_or(path)
}

/// The catalogue entry for a resolved callee path.
pub fn lookup(path: &str) -> Option<&'static Entry> {
    ENTRIES.iter().find(|e| matches(e.pattern, path))
}

fn matches(pattern: &str, path: &str) -> bool {
    if let Some(suffix) = pattern.strip_prefix('*') {
        return path.ends_with(suffix) && path.len() > suffix.len();
    }
    if let Some(prefix) = pattern.strip_suffix(".*") {
        return path
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix('.'))
            .is_some_and(|method| !method.contains('.') && !LOCAL_METHODS.contains(&method));
    }
    pattern == path
}

/// The `*.suffix` entries also match a callee we could not resolve, by its written name
/// (`AutoModel.from_pretrained` with `AutoModel` imported from anywhere).
pub fn lookup_written(dotted: &str) -> Option<&'static Entry> {
    ENTRIES
        .iter()
        .filter(|e| e.pattern.starts_with('*'))
        .find(|e| matches(e.pattern, dotted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert!(lookup("time.sleep").is_some());
        assert!(lookup("time.sleeper").is_none());
        assert!(lookup("redis.Redis.ping").is_some());
        assert!(lookup("redis.Redis.pipeline").is_none());
        assert!(lookup("redis.Redis").is_none());
        assert!(lookup("transformers.AutoModel.from_pretrained").is_some());
        assert!(lookup(".from_pretrained").is_none());
        assert!(lookup("sqlite3.connect").is_none());
        assert_eq!(normalize_factory("redis.from_url"), "redis.Redis");
    }
}
