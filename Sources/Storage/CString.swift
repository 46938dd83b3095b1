extension String {
    /// The text a C function wrote into `buffer`: its UTF-8 up to the first NUL (all of it without one),
    /// invalid sequences repaired.
    public init(nulTerminated buffer: [CChar]) {
        self.init(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
