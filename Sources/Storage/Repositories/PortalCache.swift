import Foundation
import Synchronization

/// The host → portal map of one worker, kept in memory and checked against the portals' change
/// counter on each use: a portal changed by any worker (or the CLI) is seen on the next request, and an
/// unchanged map costs one single-row read instead of a query per request.
public final class PortalCache: Sendable {
    private let portals: PortalRepository
    private let state = Mutex(State())

    private struct State {
        var generation: Int64 = -1
        /// Lowercased custom and default domains.
        var byDomain: [String: Portal] = [:]
        var defaultPortal: Portal?
    }

    public init(_ portals: PortalRepository) {
        self.portals = portals
    }

    /// What `PortalRepository.resolve(host:serverNames:)` answers, from memory while nothing changed.
    public func resolve(host: String?, serverNames: [String]) throws(StorageError) -> Portal? {
        let name = host.map(PortalRepository.hostName(of:)) ?? ""
        guard !name.isEmpty else { return nil }
        let generation = try portals.generation()
        if let hit = state.withLock({ $0.generation == generation ? Optional(Self.lookup(name, serverNames, in: $0)) : nil }) {
            return hit
        }
        let all = try portals.all()
        return state.withLock { state in
            state.generation = generation
            state.byDomain = [:]
            state.defaultPortal = all.first { $0.isDefault }
            // Custom domains win over another portal's default domain (as the repository's query does).
            for portal in all { state.byDomain[portal.defaultDomain.lowercased()] = portal }
            for portal in all { if let custom = portal.customDomain { state.byDomain[custom.lowercased()] = portal } }
            return Self.lookup(name, serverNames, in: state)
        }
    }

    private static func lookup(_ name: String, _ serverNames: [String], in state: State) -> Portal? {
        if let portal = state.byDomain[name] { return portal }
        return serverNames.contains(where: { $0.lowercased() == name }) ? state.defaultPortal : nil
    }
}
