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
