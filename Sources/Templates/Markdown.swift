import CCMarkGFM
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// GitHub-flavoured markdown → HTML with cmark-gfm, in its safe mode: raw HTML in the source is
/// replaced by a comment and links or images with `javascript:`, `vbscript:`, `file:` or non-image
/// `data:` URLs lose their target. Tables, strikethrough, autolinks and task lists are on; the
/// tag filter escapes the tags GFM always filters (`<script>`, `<iframe>`, …) even if safe mode were off.
public enum Markdown {
    /// The extensions attached to every parser.
    private static let extensionNames = ["table", "strikethrough", "autolink", "tagfilter", "tasklist"]

    /// Registers the extensions once per process (cmark-gfm's registry is global; the call is idempotent).
    private static let registered: Bool = {
        cmark_gfm_core_extensions_ensure_registered()
        return true
    }()

    /// Renders `source` to an HTML fragment that is safe to place in a page unescaped.
    public static func html(_ source: String) -> String {
        _ = registered
        // Safe mode is cmark-gfm's default (CMARK_OPT_UNSAFE not set); table alignment as `align`
        // attributes rather than `style`, so a strict Content-Security-Policy needs no inline styles.
        let options = CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8 | CMARK_OPT_FOOTNOTES
        guard let parser = cmark_parser_new(options) else { return "" }
        defer { cmark_parser_free(parser) }
        for name in extensionNames {
            if let syntax = cmark_find_syntax_extension(name) {
                cmark_parser_attach_syntax_extension(parser, syntax)
            }
        }
        var bytes = Array(source.utf8)
        bytes.withUnsafeMutableBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                if let base = chars.baseAddress { cmark_parser_feed(parser, base, chars.count) }
            }
        }
        guard let document = cmark_parser_finish(parser) else { return "" }
        defer { cmark_node_free(document) }
        guard let rendered = cmark_render_html(document, options, cmark_parser_get_syntax_extensions(parser)) else { return "" }
        defer { free(rendered) }
        return String(cString: rendered)
    }
}

/// Values a worker computes once and keeps (rendered markdown, API references), keyed by what they
/// were made from (an id and its update time), so a change is picked up and an unchanged source is
/// never processed twice. Bounded: when full it starts over (a miss costs one computation).
public final class BoundedCache<Value: Sendable>: Sendable {
    private let entries = Mutex<[String: Value]>([:])
    private let capacity: Int

    public init(capacity: Int = 256) {
        self.capacity = capacity
    }

    public func value(for key: String, make: () throws -> Value) rethrows -> Value {
        if let hit = entries.withLock({ $0[key] }) { return hit }
        let value = try make()
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[key] = value
        }
        return value
    }
}
