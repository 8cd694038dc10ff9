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
    /// No page of the schema (page 0 and, once the schema outgrows it, the pages it points to) is
    /// chosen, so the file still opens as SQLite.
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
        let schema = schemaPages(bytes, pageSize: pageSize)
        let leaves = (1..<max(1, bytes.count / pageSize)).reversed().filter {
            bytes[$0 * pageSize] == 0x0D && !schema.contains($0)
        }
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

    /// The pages (0-based) of the schema's b-tree: page 0, and when it is an interior page
    /// (flag 0x05) every page below it.
    static func schemaPages(_ bytes: Data, pageSize: Int) -> Set<Int> {
        func u16(_ at: Int) -> Int { Int(bytes[at]) << 8 | Int(bytes[at + 1]) }
        func u32(_ at: Int) -> Int { u16(at) << 16 | u16(at + 2) }
        var found: Set<Int> = []
        var pending = [0]
        while let page = pending.popLast() {
            let start = page * pageSize
            guard start + pageSize <= bytes.count, found.insert(page).inserted else { continue }
            // The database header takes the first 100 bytes of page 0.
            let header = start + (page == 0 ? 100 : 0)
            guard bytes[header] == 0x05 else { continue }
            let cells = u16(header + 3)
            pending.append(u32(header + 8) - 1)
            for cell in 0..<cells {
                pending.append(u32(start + u16(header + 12 + 2 * cell)) - 1)
            }
        }
        return found
    }
}
