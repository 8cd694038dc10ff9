import Foundation
import MnemondModel
import MnemondStore
import MnemondTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The commands and the daemon on a store they must not use: corrupt, or in a directory they
/// cannot write. Each exits 74 (EX_IOERR) before any AWS call, with a message naming the file.
@Suite(.timeLimit(.minutes(15))) struct StoreFaultCommandTests {
    /// Keys that are never used: the store is refused before the first AWS call, and any call
    /// would go to a port where nothing listens.
    static func environment() throws -> [String: String] {
        [
            "AWS_ACCESS_KEY_ID": "AKIDNOTUSED", "AWS_SECRET_ACCESS_KEY": "not-used", "AWS_REGION": "eu-west-1",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ENDPOINT_URL": "http://127.0.0.1:\(try PeerProcess.unusedLoopbackPort())",
        ]
    }

    /// A store written and closed by mnemond, then one of its pages overwritten.
    static func corruptStore() async throws -> String {
        let path = temporaryDirectory("mnemond-corrupt").appendingPathComponent("m.sqlite").path
        do {
            let store = try Store.open(path: path)
            let t0 = Date(timeIntervalSince1970: 1_790_000_000)
            try await store.insertSamples(
                (0..<4000).map {
                    Sample(
                        series: .awsAPICalls, labels: ["service": "s\($0 % 5)"],
                        time: t0.addingTimeInterval(Double($0)),
                        value: 1)
                })
        }
        try StoreFileDamage.corruptLastTableLeafPage(of: path)
        return path
    }

    @Test func checkExits74NamingTheCorruptStore() async throws {
        let path = try await Self.corruptStore()
        let result = try await CLI.run(
            ["check", "--once", "--config", repoConfig, "--db", path], environment: try Self.environment())
        #expect(result.status == 74, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        #expect(
            result.stderr.contains("store \(path): integrity check failed: the store is corrupt"), "\(result.stderr)")
        #expect(result.stdout.isEmpty, "no findings may be printed from a store that was not used")
    }

    /// The daemon refuses to start: under systemd the unit fails (and is retried every
    /// RestartSec) with the reason in the journal, rather than watching with a store whose
    /// history, alert states and outbox cannot be trusted.
    @Test func theDaemonRefusesToStartOnACorruptStore() async throws {
        let path = try await Self.corruptStore()
        let result = try await CLI.run(
            ["run", "--config", repoConfig, "--db", path], environment: try Self.environment())
        #expect(result.status == 74, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("store unavailable"), "\(result.stderr)")
        #expect(
            result.stderr.contains("store \(path): integrity check failed: the store is corrupt"), "\(result.stderr)")
    }

    /// A directory mnemond's user cannot write: SQLite could not create the -wal and -shm files
    /// beside an existing store, nor a new store. Root writes anywhere, so as root the binary
    /// runs as `nobody` with the directory owned by nobody.
    @Test func aReadOnlyDirectoryIsAClearError() async throws {
        let directory = temporaryDirectory("mnemond-readonly")
        let existing = directory.appendingPathComponent("m.sqlite").path
        do { _ = try Store.open(path: existing) }
        var launcher: [String] = []
        if getuid() == 0 {
            let nobody: uid_t = 65534
            #expect(chown(directory.path, nobody, gid_t(nobody)) == 0)
            #expect(chown(existing, nobody, gid_t(nobody)) == 0)
            launcher = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
        }
        #expect(chmod(directory.path, 0o555) == 0)
        defer { chmod(directory.path, 0o755) }
        for path in [existing, directory.appendingPathComponent("new.sqlite").path] {
            let result = try await CLI.run(
                ["check", "--once", "--config", repoConfig, "--db", path], environment: try Self.environment(),
                launcher: launcher)
            #expect(result.status == 74, "\(path): stdout: \(result.stdout)\nstderr: \(result.stderr)")
            #expect(
                result.stderr.contains("store \(path): open failed: directory \(directory.path) is not writable"),
                "\(result.stderr)")
            #expect(result.stderr.contains("-wal and -shm"), "\(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("new.sqlite").path))
    }

    /// README "Monitoring users": with the unit's opt-in (StateDirectoryMode=0750, UMask=0027)
    /// the daemon's user writes a 0640 store that a user in its group reads with `status` and
    /// `silence list`; a user outside the group, or any user under the default UMask=0077, is
    /// told "permission denied reading …", not "no store here yet". Needs root to be three users.
    @Test(.enabled(if: getuid() == 0, "switching users needs root (CI runs as root)"))
    func aMonitoringUserInTheGroupReadsTheStoreAndOthersAreToldPermissionDenied() async throws {
        let daemon: uid_t = 65534  // nobody:nogroup stands for mnemond:mnemond
        func asUser(_ uid: Int, groups: String?, umask: String? = nil) -> [String] {
            ["/usr/bin/setpriv", "--reuid=\(uid)", "--regid=\(uid)"]
                + (groups.map { ["--groups=\($0)"] } ?? ["--clear-groups"]) + ["--"]
                + (umask.map { ["/bin/sh", "-c", "umask \($0); exec \"$0\" \"$@\""] } ?? [])
        }
        for (optIn, umask) in [(true, "027"), (false, "077")] {
            let directory = temporaryDirectory("mnemond-monitoring")
            defer { try? FileManager.default.removeItem(at: directory) }
            #expect(chown(directory.path, daemon, gid_t(daemon)) == 0)
            #expect(chmod(directory.path, optIn ? 0o750 : 0o700) == 0)
            let path = directory.appendingPathComponent("mnemond.sqlite").path
            let written = try await CLI.run(
                [
                    "silence", "add", "--check", "s3.lifecycle.noncurrent", "--for", "2h", "--reason",
                    "bucket migration", "--config", repoConfig, "--db", path,
                ], environment: try Self.environment(), launcher: asUser(Int(daemon), groups: nil, umask: umask))
            #expect(written.status == 0, "\(written.stderr)")
            var info = stat()
            #expect(stat(path, &info) == 0)
            #expect(info.st_mode & 0o777 == (optIn ? 0o640 : 0o600), "umask \(umask)")

            let monitoring = asUser(4242, groups: "\(daemon)")
            let listed = try await CLI.run(
                ["silence", "list", "--config", repoConfig, "--db", path], environment: try Self.environment(),
                launcher: monitoring)
            let status = try await CLI.run(
                ["status", "--config", repoConfig, "--db", path], environment: try Self.environment(),
                launcher: monitoring)
            let outsider = try await CLI.run(
                ["status", "--config", repoConfig, "--db", path], environment: try Self.environment(),
                launcher: asUser(4243, groups: nil))
            for result in (optIn ? [outsider] : [listed, status, outsider]) {
                #expect(result.status != 0)
                #expect(result.stderr.contains("permission denied reading \(path)"), "\(result.stderr)")
                #expect(!result.stderr.contains("no store here yet"), "\(result.stderr)")
            }
            if optIn {
                #expect(listed.status == 0, "\(listed.stderr)")
                #expect(listed.stdout.contains("bucket migration"), "\(listed.stdout)")
                // Read, not refused: nothing was recorded by a cycle yet, which status says itself.
                #expect(!status.stderr.contains("permission denied"), "\(status.stderr)")
                #expect(!status.stderr.contains("no store here yet"), "\(status.stderr)")
            }
        }
    }
}
