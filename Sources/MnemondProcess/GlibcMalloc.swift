import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// How this process's heap is kept by glibc's malloc: its arenas limited at start, the pages a
/// run freed handed back after it (BENCHMARKS.md, "Daemon memory"). Neither `mallopt` nor
/// `malloc_trim` is in Swift's Glibc module: both are looked up by name, and where they are
/// missing (another C library, another platform) each call does nothing.
public enum GlibcMalloc {
    /// glibc gives each thread that allocates an arena of its own (up to 8 per core) and keeps
    /// what is freed there: the daemon's RSS grew with its HTTP and pool threads while its live
    /// heap stayed flat. Two arenas hold it flat. `MALLOC_ARENA_MAX` in the environment, when
    /// set, still decides. Call it first thing, before other threads allocate.
    public static func limitArenas() {
        #if canImport(Glibc)
            guard getenv("MALLOC_ARENA_MAX") == nil, let mallopt = mallopt else { return }
            _ = mallopt(mArenaMax, 2)
        #endif
    }

    /// Hands the pages freed since the last call back to the kernel. glibc keeps freed memory
    /// inside its arenas for reuse and gives back on its own only what lies at the top of the main
    /// heap; a cycle's answers, findings and rows are freed together when it ends. Measured over
    /// 300 cycles: about 0.5 MB less anonymous memory, no change in a cycle's duration.
    public static func releaseFreedPages() {
        #if canImport(Glibc)
            _ = mallocTrim?(0)
        #endif
    }

    #if canImport(Glibc)
        /// M_ARENA_MAX in malloc.h.
        private static let mArenaMax: Int32 = -8
        private typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        private static let mallopt: Mallopt? = GlibcSymbol.lookup("mallopt")
        private typealias MallocTrim = @convention(c) (Int) -> Int32
        private static let mallocTrim: MallocTrim? = GlibcSymbol.lookup("malloc_trim")
    #endif
}

#if canImport(Glibc)
    /// A glibc function the C headers hide from Swift (it needs _GNU_SOURCE or malloc.h),
    /// looked up at run time: nil where this C library has none.
    enum GlibcSymbol {
        static func lookup<Function>(_ name: String) -> Function? {
            guard let address = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
            return unsafeBitCast(address, to: Function.self)
        }
    }
#endif
