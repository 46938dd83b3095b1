// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Portal",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "portal-fcgi", targets: ["PortalFCGI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        // 4.x: 3.12.3 double-frees the EVP_PKEY when an RSA PEM holds another key type.
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        // YAML/JSON parsing of uploaded OpenAPI documents.
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // System libraries from Debian's -dev packages.
        .systemLibrary(name: "CFastCGI", pkgConfig: "fcgi", providers: [.apt(["libfcgi-dev"])]),
        .systemLibrary(name: "CArgon2", pkgConfig: "libargon2", providers: [.apt(["libargon2-dev"])]),
        // The request path's single-statement reads, without GRDB's dispatch queues (Storage/Database/DirectReads).
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // GitHub-flavoured markdown of custom pages (Debian ships no .pc file for the extensions).
        .systemLibrary(name: "CCMarkGFM", providers: [.apt(["libcmark-gfm-dev", "libcmark-gfm-extensions-dev"])]),
        // libcurl (audit webhooks) and libxml2 (SAML metadata), loaded on first use rather than linked:
        // Foundation's URLSession and XMLParser would link them and their ~35 dependencies into every worker.
        .target(name: "CLazyLibraries"),

        .target(
            name: "Storage",
            dependencies: [
                "CArgon2",
                "CSQLite",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Templates",
            dependencies: [
                "CCMarkGFM",
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        .target(
            name: "Handlers",
            dependencies: [
                "CLazyLibraries",
                "Storage",
                "Templates",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "PortalFCGI",
            dependencies: [
                "CFastCGI",
                "Handlers",
                "Storage",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Test helpers shared by the test targets: an in-process client and a real FastCGI client.
        .target(
            name: "PortalTesting",
            dependencies: ["Handlers", "Storage", .product(name: "Logging", package: "swift-log")]
        ),

        .testTarget(name: "StorageTests", dependencies: ["Storage", "PortalTesting"]),
        // swift-mustache renders beside the compiled templates there, to compare the two.
        .testTarget(name: "TemplatesTests", dependencies: ["Templates", .product(name: "Mustache", package: "swift-mustache")]),
        .testTarget(name: "HandlersTests", dependencies: ["Handlers", "Storage", "PortalTesting"]),
        .testTarget(name: "PortalFCGITests", dependencies: ["PortalFCGI", "Handlers", "PortalTesting"]),
    ]
)
