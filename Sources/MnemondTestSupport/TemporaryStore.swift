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
        let url = URL(fileURLWithPath: path)
        var bytes = try Data(contentsOf: url)
        guard bytes.count % pageSize == 0,
            let page = (1..<(bytes.count / pageSize)).reversed().first(where: { bytes[$0 * pageSize] == 0x0D })
        else {
            throw PeerError("\(path): no table leaf page among \(bytes.count / pageSize) pages of \(pageSize) bytes")
        }
        for offset in 0..<64 { bytes[page * pageSize + offset] = UInt8(truncatingIfNeeded: 0xA5 &+ offset * 7) }
        try bytes.write(to: url)
        return page
    }
}
