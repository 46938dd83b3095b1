import Foundation

/// Signal-mask helpers. The pool never does work in a signal handler: signals are blocked in
/// every thread and taken synchronously with `sigwait`/`sigtimedwait` by the main loop.
enum Signals {
    /// A set of the given signals.
    static func set(_ signals: [Int32]) -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        return set
    }

    /// Blocks `signals` in the calling thread; threads created afterwards inherit the mask.
    /// Call first thing in `main`, before any library starts a thread. Their dispositions are reset
    /// to the default first: an ignored signal inherited through exec is discarded even while
    /// blocked, so `sigwait` would never see it.
    static func block(_ signals: [Int32]) {
        for signal in signals { Glibc.signal(signal, SIG_DFL) }
        var mask = set(signals)
        pthread_sigmask(SIG_BLOCK, &mask, nil)
    }

    /// Waits up to `timeout` seconds for one of `signals`; nil on timeout.
    static func wait(for signals: [Int32], timeout: TimeInterval) -> Int32? {
        var mask = set(signals)
        var spec = timespec(tv_sec: Int(timeout), tv_nsec: Int((timeout - floor(timeout)) * 1e9))
        let received = sigtimedwait(&mask, nil, &spec)
        return received > 0 ? received : nil
    }

    /// A handler that does nothing, installed without SA_RESTART so that the signal interrupts a
    /// blocking `accept` (used to wake worker threads at shutdown).
    static func installInterruptingNoOp(_ signal: Int32) {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(signal, &action, nil)
    }

    /// Ignores `signal` (SIGPIPE: a client that went away must not kill the worker).
    static func ignore(_ signal: Int32) {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = SIG_IGN
        sigemptyset(&action.sa_mask)
        sigaction(signal, &action, nil)
    }

    /// `SIGTERM` → `"TERM"`.
    static func name(_ signal: Int32) -> String {
        switch signal {
        case SIGTERM: "TERM"
        case SIGINT: "INT"
        case SIGHUP: "HUP"
        case SIGCHLD: "CHLD"
        case SIGUSR1: "USR1"
        case SIGUSR2: "USR2"
        case SIGKILL: "KILL"
        case SIGQUIT: "QUIT"
        case SIGSEGV: "SEGV"
        case SIGABRT: "ABRT"
        case SIGILL: "ILL"
        case SIGTRAP: "TRAP"
        default: String(signal)
        }
    }
}

/// Small wrappers over file-descriptor system calls.
enum FileDescriptor {
    /// Writes every byte, retrying short writes and EINTR.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, base + offset, buffer.count - offset)
                if written < 0, errno == EINTR { continue }
                if written <= 0 { return }
                offset += written
            }
        }
    }
}
