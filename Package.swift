// swift-tools-version:6.1
import PackageDescription

#if canImport(Glibc)
    import Glibc
#endif

// One shared setting for every target. The import table is the README's "Modules" section;
// scripts/check-imports.py holds every target to it (each file imports what it uses, and each
// target declares exactly what its files import).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("ExistentialAny"),
]

let log = Target.Dependency.product(name: "Logging", package: "swift-log")

// How the release binary is linked on Linux (README, Decisions): with lld, exporting no symbols
// (the Swift runtime's static link exports every symbol of the package's own objects), the
// functions mnemond runs laid out together (link/symbol-order.txt, scripts/symbol-order.py), and
// packed relative relocations where the glibc the binary is built against reads them (2.36 on;
// lld then marks the binary as needing it, so they are left out when building on an older glibc).
let releaseLinking: [LinkerSetting] = {
    var flags = ["-use-ld=lld", "-Xlinker", "--no-export-dynamic"]
    let order = Context.packageDirectory + "/link/symbol-order.txt"
    #if canImport(Glibc)
        if access(order, R_OK) == 0 {
            // A listed function the binary no longer has is skipped without a word.
            flags += ["-Xlinker", "--symbol-ordering-file=" + order, "-Xlinker", "--no-warn-symbol-ordering"]
        }
        // confstr answers "glibc 2.36" and its length with the terminating NUL.
        var text = [CChar](repeating: 0, count: 64)
        let length = confstr(Int32(_CS_GNU_LIBC_VERSION), &text, text.count)
        let answer = String(
            decoding: text.prefix(max(0, min(length, text.count) - 1)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let version = answer.split(whereSeparator: { $0 == " " || $0 == "." }).compactMap { Int($0) }
        if version.count >= 2, (version[0], version[1]) >= (2, 36) {
            flags += ["-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"]
        }
    #endif
    return [.unsafeFlags(flags, .when(platforms: [.linux], configuration: .release))]
}()

let package = Package(
    name: "mnemond",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "mnemond", targets: ["mnemond"]),
        .executable(name: "mnemond-bench", targets: ["mnemond-bench"]),
        // The parsers, for the libFuzzer targets in Tests/Fuzz (a package of its own: it is built
        // with -sanitize=fuzzer, which the rest of the tree must not be).
        .library(name: "MnemondAWS", targets: ["MnemondAWS"]),
        .library(name: "MnemondConfig", targets: ["MnemondConfig"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        .target(
            name: "CCurlShim",
            linkerSettings: [.linkedLibrary("curl")]
        ),
        .target(name: "MnemondHTTP", dependencies: ["CCurlShim", log], swiftSettings: swiftSettings),
        .target(
            name: "MnemondSigV4",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MnemondAWS",
            dependencies: [
                "MnemondSigV4", "MnemondHTTP", "MnemondProcess", .product(name: "Crypto", package: "swift-crypto"), log,
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "MnemondModel", swiftSettings: swiftSettings),
        .target(name: "MnemondChecks", dependencies: ["MnemondModel"], swiftSettings: swiftSettings),
        .target(
            name: "MnemondCollect", dependencies: ["MnemondAWS", "MnemondModel", log], swiftSettings: swiftSettings),
        .target(
            name: "MnemondStore",
            dependencies: [
                "MnemondModel", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MnemondNotify",
            dependencies: ["MnemondModel", "MnemondStore", "MnemondAWS", "MnemondHTTP", log],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MnemondReport", dependencies: ["MnemondModel", "MnemondChecks", "MnemondStore"],
            swiftSettings: swiftSettings),
        .target(
            name: "MnemondConfig",
            dependencies: [
                "MnemondModel", .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "MnemondCommands",
            dependencies: [
                "MnemondModel", "MnemondConfig", "MnemondChecks", "MnemondStore", "MnemondNotify", "MnemondReport", log,
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "MnemondSystemd", swiftSettings: swiftSettings),
        .target(name: "MnemondProcess", swiftSettings: swiftSettings),
        .target(name: "MnemondSchedule", dependencies: ["MnemondModel", log], swiftSettings: swiftSettings),
        .target(
            name: "MnemondDaemon",
            dependencies: [
                "MnemondSystemd", "MnemondModel", "MnemondConfig", "MnemondCommands", "MnemondHTTP", "MnemondAWS",
                "MnemondCollect", "MnemondSchedule", "MnemondProcess",
                "MnemondChecks",
                "MnemondStore", "MnemondNotify", "MnemondReport", log,
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "mnemond",
            dependencies: [
                "MnemondCommands", "MnemondDaemon", "MnemondConfig", "MnemondProcess", log,
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings,
            linkerSettings: releaseLinking
        ),
        // Benchmark data: the generated report fortnight (also the report tests' fixture) and
        // the generators the scripts under scripts/ time `status` and `report` against.
        .target(
            name: "MnemondBenchData",
            dependencies: ["MnemondModel", "MnemondConfig", "MnemondReport", "MnemondStore", "MnemondTestSupport"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "mnemond-bench", dependencies: ["MnemondBenchData"], swiftSettings: swiftSettings),
        .target(
            name: "MnemondTestSupport",
            dependencies: ["MnemondHTTP", "MnemondStore", "MnemondProcess"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MnemondSigV4Tests",
            dependencies: ["MnemondSigV4", .product(name: "Crypto", package: "swift-crypto")],
            resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(
            name: "MnemondHTTPTests", dependencies: ["MnemondHTTP", "MnemondProcess", "MnemondTestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "MnemondAWSTests", dependencies: ["MnemondAWS", "MnemondSigV4", "MnemondHTTP", "MnemondTestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(name: "MnemondModelTests", dependencies: ["MnemondModel"], swiftSettings: swiftSettings),
        .testTarget(
            name: "MnemondChecksTests", dependencies: ["MnemondChecks", "MnemondModel"], swiftSettings: swiftSettings),
        .testTarget(
            name: "MnemondCollectTests", dependencies: ["MnemondCollect", "MnemondAWS", "MnemondModel"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "MnemondScheduleTests", dependencies: ["MnemondSchedule", "MnemondModel", "MnemondTestSupport", log],
            swiftSettings: swiftSettings),
        .testTarget(name: "MnemondSystemdTests", dependencies: ["MnemondSystemd"], swiftSettings: swiftSettings),
        .testTarget(name: "MnemondProcessTests", dependencies: ["MnemondProcess"], swiftSettings: swiftSettings),
        .testTarget(
            name: "MnemondConfigTests", dependencies: ["MnemondConfig", "MnemondModel", "MnemondChecks"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "MnemondCommandsTests",
            dependencies: ["MnemondCommands", "MnemondStore", "MnemondModel", "MnemondReport", "MnemondTestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "MnemondStoreTests",
            dependencies: [
                "MnemondStore", "MnemondModel", "MnemondTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "MnemondNotifyTests",
            dependencies: [
                "MnemondNotify", "MnemondModel", "MnemondStore", "MnemondHTTP", "MnemondTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "MnemondReportTests",
            dependencies: ["MnemondReport", "MnemondStore", "MnemondModel"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "MnemondDaemon", "MnemondCommands", "MnemondConfig", "MnemondChecks", "MnemondStore", "MnemondModel",
                "MnemondAWS", "MnemondSigV4", "MnemondCollect", "MnemondTestSupport", "MnemondReport", "MnemondNotify",
                "MnemondHTTP", "MnemondBenchData", "MnemondProcess", log, .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
