import Foundation
import MnemondModel
import MnemondStore
import MnemondTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A store file that is damaged or too open: found when the store is opened, with a message
/// that names the file and says what to do, never silently used.
@Suite struct StoreFaultTests {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)

    /// A store file with a few thousand samples (several pages of b-tree), closed, its WAL
    /// checkpointed into the file.
    static func writtenStore() async throws -> String {
        let path = temporaryDirectory("mnemond-store-fault").appendingPathComponent("m.sqlite").path
        do {
            let store = try Store.open(path: path, umask: 0o077)
            var samples: [Sample] = []
            for index in 0..<4000 {
                samples.append(
                    Sample(
                        series: .rdsPitrLagSeconds, labels: ["instance": "db-\(index % 7)"],
                        time: t0.addingTimeInterval(Double(index) * 60), value: Double(index % 300)))
            }
            try await store.insertSamples(samples)
        }
        // The last connection closed: SQLite checkpointed the WAL into the file and removed it.
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"), "the WAL was not checkpointed")
        return path
    }

    static func mode(_ path: String) -> mode_t {
        var info = stat()
        #expect(stat(path, &info) == 0)
        return info.st_mode & 0o777
    }

    @Test func aStoreWithACorruptPageIsRefusedAtOpenNamingTheFile() async throws {
        let path = try await Self.writtenStore()
        let pages = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int / 4096
        #expect(pages > 8, "\(pages) pages")
        let page = try StoreFileDamage.corruptLastTableLeafPage(of: path)
        #expect(page > 0)

        let error = try #require(throws: StoreError.self) { _ = try Store.open(path: path) }
        #expect(error.path == path)
        #expect(error.operation == "integrity check")
        #expect(error.description.hasPrefix("store \(path): integrity check failed: the store is corrupt"))
        #expect(error.message.contains("PRAGMA quick_check: "), "\(error)")
        #expect(error.message.contains("move \(path) and its -wal and -shm files aside"), "\(error)")
    }

    @Test func anIntactStoreOpensAndKeepsItsData() async throws {
        let path = try await Self.writtenStore()
        let store = try Store.open(path: path)
        let samples = try await store.samples(series: .rdsPitrLagSeconds, since: Self.t0)
        #expect(samples.count == 4000)
        #expect(store.permissionsTightened == nil)
    }

    @Test func aStoreReadableByOthersIsTightenedTo0600() async throws {
        let path = try await Self.writtenStore()
        #expect(Self.mode(path) == 0o600, "a new store is created 0600 under the unit's UMask=0077")
        #expect(chmod(path, 0o644) == 0)
        let store = try Store.open(path: path, umask: 0o077)
        #expect(store.permissionsTightened == "0644")
        #expect(store.mode == "0600")
        #expect(Self.mode(path) == 0o600)
        for companion in [path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: companion) {
            #expect(Self.mode(companion) == 0o600, "\(companion)")
        }
        #expect(try await store.samples(series: .rdsPitrLagSeconds, since: Self.t0).count == 4000)
    }

    /// The monitoring opt-in (UMask=0027): the group may read, never write; others never read,
    /// whatever the umask lets through; and taking the opt-in back takes the group's read away.
    @Test func theGroupReadsTheStoreOnlyWhereTheUmaskLetsIt() async throws {
        let path = temporaryDirectory("mnemond-store-mode").appendingPathComponent("m.sqlite").path
        do {
            let store = try Store.open(path: path, umask: 0o027)
            #expect(store.mode == "0640" && store.permissionsTightened == nil)
        }
        #expect(Self.mode(path) == 0o640, "created 0640 under UMask=0027")
        #expect(try Store.open(path: path, umask: 0o022).permissionsTightened == nil, "0640 is allowed under 0022")
        #expect(chmod(path, 0o664) == 0)
        #expect(try Store.open(path: path, umask: 0o002).permissionsTightened == "0664", "never group-writable")
        #expect(Self.mode(path) == 0o640)
        #expect(chmod(path, 0o644) == 0)
        #expect(try Store.open(path: path, umask: 0o027).permissionsTightened == "0644", "never world-readable")
        #expect(Self.mode(path) == 0o640)
        #expect(try Store.open(path: path, umask: 0o077).permissionsTightened == "0640", "the opt-in taken back")
        #expect(Self.mode(path) == 0o600)
    }

    /// Where the group may read, the -wal and -shm files stay after the last connection (a
    /// reader in the group cannot create them), and the WAL is empty then: a corrupt page in the
    /// file is still found at the next open, not hidden behind old WAL frames.
    @Test func aGroupReadableStoreKeepsAnEmptyWALAndCorruptionIsStillFound() async throws {
        let path = temporaryDirectory("mnemond-store-group").appendingPathComponent("m.sqlite").path
        do {
            let store = try Store.open(path: path, umask: 0o027)
            try await store.insertSamples(
                (0..<4000).map {
                    Sample(
                        series: .rdsPitrLagSeconds, labels: ["instance": "db-\($0 % 7)"],
                        time: Self.t0.addingTimeInterval(Double($0) * 60), value: 1)
                })
        }
        for companion in [path + "-wal", path + "-shm"] {
            #expect(FileManager.default.fileExists(atPath: companion), "\(companion) kept")
            #expect(Self.mode(companion) == 0o640, "\(companion)")
        }
        #expect(try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int == 0)
        try StoreFileDamage.corruptLastTableLeafPage(of: path)
        #expect(throws: StoreError.self) { _ = try Store.open(path: path, umask: 0o027) }
    }
}
