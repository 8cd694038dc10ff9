// swift-tools-version:6.1
import PackageDescription

// libFuzzer targets for mnemond's parsers, one per parser. A package of its own so that only it
// is built with `-sanitize=fuzzer`. Run them with scripts/fuzz.sh;
// RELIABILITY.md ("Fuzzing") says what each asserts.
let package = Package(
    name: "mnemond-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "mnemond", path: "../..")],
    targets: [
        .target(name: "CFuzzDriver"),
        .executableTarget(
            name: "fuzz-xml", dependencies: ["CFuzzDriver", .product(name: "MnemondAWS", package: "mnemond")]),
        .executableTarget(
            name: "fuzz-json", dependencies: ["CFuzzDriver", .product(name: "MnemondAWS", package: "mnemond")]),
        .executableTarget(
            name: "fuzz-config", dependencies: ["CFuzzDriver", .product(name: "MnemondConfig", package: "mnemond")]),
    ]
)
