import Foundation
import MnemondStore

/// A fresh directory under the system's temporary directory, unique per call.
public func temporaryDirectory(_ prefix: String = "mnemond-test") -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

extension Store {
    /// A store in a file of its own (WAL, a second connection can read it), for tests that need
    /// the file: permissions, a second process, reopening. `Store.inMemory()` serves the rest.
    public static func temporary(_ prefix: String = "mnemond-store") throws -> Store {
        try Store.open(path: temporaryDirectory(prefix).appendingPathComponent("m.sqlite").path)
    }
}

/// Damage done to a closed store file, as a failing disk or a stray write would do it.
public enum StoreFileDamage {
    /// Overwrites the header and first cells of the last table b-tree leaf page (flag 0x0D) of
    /// a closed, checkpointed SQLite file with garbage; returns the page's number (0-based).
    /// Page 0 holds the schema and is never chosen, so the file still opens as SQLite.
    @discardableResult
    public static func corruptLastTableLeafPage(of path: String, pageSize: Int = 4096) throws -> Int {
        try corruptTableLeafPage(of: path, fromEnd: 0, pageSize: pageSize)
    }

    /// The same for the table leaf page `fromEnd` places before the last one, written in place
    /// (64 bytes at the page's offset, nothing else touched), so it may be done under a running
    /// daemon: a page in the middle of a table that only grows at its end is one no cycle
    /// rewrites, as bit rot in old history would be.
    @discardableResult
    public static func corruptTableLeafPage(of path: String, fromEnd: Int, pageSize: Int = 4096) throws -> Int {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let leaves = (1..<max(1, bytes.count / pageSize)).reversed().filter { bytes[$0 * pageSize] == 0x0D }
        guard bytes.count % pageSize == 0, fromEnd < leaves.count else {
            throw PeerError(
                "\(path): no table leaf page \(fromEnd) from the end among \(bytes.count / pageSize) pages of \(pageSize) bytes"
            )
        }
        let page = leaves[fromEnd]
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(page * pageSize))
        try handle.write(contentsOf: Data((0..<64).map { UInt8(truncatingIfNeeded: 0xA5 &+ $0 * 7) }))
        try handle.synchronize()
        return page
    }
}
