import Foundation
import MnemondModel
import MnemondStore
import MnemondTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The store on a disk that fills up: a real tmpfs of a few MB (mounting needs root, which CI
/// has), filled by a file the test writes until ENOSPC. SQLite answers SQLITE_FULL; mnemond must
/// say so naming the file, keep everything it had stored, and carry on once space is back.
@Suite(
    .serialized, .timeLimit(.minutes(15)), .enabled(if: getuid() == 0, "mounting a tmpfs needs root (CI runs as root)"))
struct DiskFullTests {
    /// A tmpfs of `megabytes` mounted on a fresh directory (mount(2), as `mount -t tmpfs` does).
    static func mountTmpfs(megabytes: Int) throws -> URL {
        let directory = temporaryDirectory("mnemond-full")
        guard mount("tmpfs", directory.path, "tmpfs", 0, "size=\(megabytes)m,mode=0755") == 0 else {
            throw PeerError("mount tmpfs on \(directory.path): \(String(cString: strerror(errno)))")
        }
        return directory
    }

    static func unmount(_ directory: URL) {
        _ = umount2(directory.path, Int32(MNT_DETACH))
        try? FileManager.default.removeItem(at: directory)
    }

    /// Writes `filler` until the file system has no block left.
    static func fill(_ directory: URL) async throws -> URL {
        let filler = directory.appendingPathComponent("filler")
        // dd stops at ENOSPC and exits 1: that is the point.
        _ = try await run("/bin/dd", ["if=/dev/zero", "of=\(filler.path)", "bs=4k"])
        var info = statvfs()
        #expect(statvfs(directory.path, &info) == 0)
        #expect(info.f_bavail == 0, "the tmpfs still has \(info.f_bavail) blocks free")
        return filler
    }

    static func run(_ program: String, _ arguments: [String]) async throws -> Int32 {
        try await runProgram(URL(fileURLWithPath: program), arguments, timeout: .seconds(300)).status
    }

    static func cycles(_ path: String) async throws -> Int {
        try await Store.openReadOnly(path: path).cycleCount()
    }

    /// The daemon with its store on a disk that fills between two cycles: each failed write is
    /// logged naming the store and SQLite's "database or disk is full", STATUS= says so, and
    /// after three in a row the watchdog is withheld (systemd would restart it); the process
    /// does not exit. Space back: cycles are stored again, the watchdog resumes, and nothing
    /// stored before the disk filled is lost (integrity_check ok, every earlier cycle there).
    @Test func aFullDiskFailsCyclesLoudlyKeepsWhatWasStoredAndRecovers() async throws {
        let simulator = try await AWSSimulator.shared(.target)
        let disk = try Self.mountTmpfs(megabytes: 16)
        defer { Self.unmount(disk) }
        let db = disk.appendingPathComponent("mnemond.sqlite").path
        let (daemon, socket) = try await DaemonProcess.supervised(
            db: db, simulator: simulator, in: temporaryDirectory())
        defer {
            socket.stop()
            Task { await daemon.kill() }
        }
        let filler = try await Self.fill(disk)
        let before = try await Self.cycles(db)
        #expect(before >= 1)

        #expect(
            await daemon.waitForLog("database or disk is full", timeout: .seconds(90)),
            "stderr: \(daemon.stderr.suffix(3000))")
        #expect(daemon.stderr.contains("store \(db)"), "the failure names the store file")
        #expect(
            await socket.wait(timeout: .seconds(30)) { all in
                all.contains { $0.hasPrefix("STATUS=store write failed") && $0.contains("disk is full") }
            }, "notify: \(socket.assignments.suffix(10))")
        #expect(
            await daemon.waitForLog("watchdog withheld", timeout: .seconds(90)), "stderr: \(daemon.stderr.suffix(3000))"
        )
        #expect(daemon.exitStatus == nil, "the daemon keeps running on a full disk: \(daemon.stderr.suffix(2000))")
        // Nothing was half-written: each cycle is one transaction.
        #expect(try await Self.cycles(db) == before)

        try FileManager.default.removeItem(at: filler)
        #expect(
            await daemon.waitForLog("watchdog resumed", timeout: .seconds(90)), "stderr: \(daemon.stderr.suffix(3000))")
        // The next cycle commits (the watchdog's verdict can clear a tick before it does).
        let stored = try await eventually(.seconds(120)) { try await Self.cycles(db) > before }
        #expect(stored, "cycles are stored again once space is back: \(daemon.stderr.suffix(2000))")

        daemon.signal(SIGTERM)
        #expect(await daemon.waitForExit(timeout: .seconds(60)) == 0, "stderr: \(daemon.stderr.suffix(2000))")
        let store = try Store.open(path: db)
        #expect(try await store.integrityCheck() == [])
        #expect(try await store.cycleCount() > before)
    }

    /// `mnemond check --once` whose cycle cannot be stored: exit 74 (EX_IOERR) naming the file
    /// and the cause, the store as it was.
    @Test func checkOnAFullDiskExits74NamingTheStore() async throws {
        let disk = try Self.mountTmpfs(megabytes: 4)
        defer { Self.unmount(disk) }
        let db = disk.appendingPathComponent("mnemond.sqlite").path
        do { _ = try Store.open(path: db) }
        _ = try await Self.fill(disk)
        let result = try await CLI.run(
            ["check", "--once", "--config", repoConfig, "--db", db],
            environment: try StoreFaultCommandTests.environment())
        #expect(result.status == 74, "stdout: \(result.stdout.suffix(500))\nstderr: \(result.stderr.suffix(2000))")
        #expect(result.stderr.contains("store \(db)"), "\(result.stderr.suffix(2000))")
        #expect(result.stderr.contains("disk is full"), "\(result.stderr.suffix(2000))")
        let store = try Store.openReadOnly(path: db)
        #expect(try await store.integrityCheck() == [])
        #expect(try await store.cycleCount() == 0)
    }
}
