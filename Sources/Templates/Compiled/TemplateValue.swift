/// A value as a template sees it. Page models hand these out by name (`TemplateObject`), so rendering
/// never casts or reflects: each lookup is one `switch` over the names a model has.
public enum TemplateValue: Sendable {
    /// Absent (a nil optional, an unknown name): falsy, renders nothing, and lookup goes on outward.
    case missing
    case bool(Bool)
    case text(String)
    case number(Int)
    case object(any TemplateObject)
    case list([TemplateValue])

    public init(_ text: String) { self = .text(text) }
    public init(_ text: String?) { self = text.map(TemplateValue.text) ?? .missing }
    public init(_ flag: Bool) { self = .bool(flag) }
    public init(_ number: Int) { self = .number(number) }
    public init(_ object: some TemplateObject) { self = .object(object) }
    public init(_ object: (some TemplateObject)?) { self = object.map { .object($0) } ?? .missing }
    public init(_ objects: [some TemplateObject]) { self = .list(objects.map { .object($0) }) }
    public init(_ texts: [String]) { self = .list(texts.map(TemplateValue.text)) }
}

/// A model a template reads by name: `{{portalName}}` asks `value(named: "portalName")`. Every stored
/// property a template may use is named (`TemplateObjectTests` checks the names against `Mirror`).
public protocol TemplateObject: Sendable {
    func value(named name: String) -> TemplateValue
}
