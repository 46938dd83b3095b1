import Synchronization

/// The renderers of a worker's portals, with their own template files in place of the default
/// theme's. A portal's renderer is rebuilt only when files changed (the caller's generation number);
/// templates are parsed once per checksum, so an unchanged file is never parsed again.
public final class ThemeLibrary: Sendable {
    /// A portal's template file: its path and checksum, and its text.
    public struct File: Sendable {
        public var path: String
        public var checksum: String
        public var contents: String

        public init(path: String, checksum: String, contents: String) {
            self.path = path
            self.checksum = checksum
            self.contents = contents
        }
    }

    private struct State {
        var parsed: [String: ParsedTemplate] = [:]
        var renderers: [String: (generation: Int64, renderer: PageRenderer)] = [:]
    }

    private let state = Mutex(State())
    /// The default theme alone.
    public let defaultRenderer: PageRenderer

    public init() throws(TemplateError) {
        defaultRenderer = try PageRenderer()
    }

    /// The renderer of `portalID` as of `generation`; `files` (the portal's theme files) is called only
    /// when the files changed since the last call. A file that does not parse is skipped (the default
    /// theme's template is used), so a bad upload can never take the portal's pages down.
    public func renderer(portalID: String, generation: Int64, files: () throws -> [File]) rethrows -> PageRenderer {
        if let cached = state.withLock({ $0.renderers[portalID] }), cached.generation == generation { return cached.renderer }
        let templates = try files().compactMap { file -> (String, File)? in
            PageRenderer.templateName(forPath: file.path).map { ($0, file) }
        }
        var overrides: [String: ParsedTemplate] = [:]
        for (name, file) in templates {
            if let parsed = state.withLock({ $0.parsed[file.checksum] }) {
                overrides[name] = parsed
            } else if let parsed = try? PageRenderer.parse(file.contents, name: name) {
                state.withLock { $0.parsed[file.checksum] = parsed }
                overrides[name] = parsed
            }
        }
        let renderer = (try? PageRenderer(overrides: overrides)) ?? defaultRenderer
        state.withLock { state in
            if state.parsed.count > 4096 { state.parsed.removeAll() }
            state.renderers[portalID] = (generation, renderer)
        }
        return renderer
    }

    /// Whether `text` parses as a template (checked before a portal file is stored).
    public static func problem(parsing text: String, path: String) -> String? {
        guard let name = PageRenderer.templateName(forPath: path) else { return nil }
        do {
            _ = try PageRenderer.parse(text, name: name)
            return nil
        } catch {
            return error.description
        }
    }
}
