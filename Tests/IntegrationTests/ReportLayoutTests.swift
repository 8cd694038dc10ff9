import Foundation
import MnemondTestSupport
import Testing

/// The weekly report's HTML laid out by a real browser: headless Chromium (Debian's `chromium`,
/// installed by `scripts/setup.sh --build-tests`) emulating a 390 px phone and a 1280 px desktop,
/// driven by Tests/Peers/page_width.py. Most people read Monday's mail on a phone: nothing may
/// reach past the screen's right edge.
@Suite(.serialized, .timeLimit(.minutes(15))) struct ReportLayoutTests {
    struct Layout: Decodable {
        var width: Int
        var viewport: Int
        var scroll_width: Int
        var overflowing: [String]
    }

    /// Lays `html` out at each width; throws when Chromium or the peer fails.
    static func layout(_ html: String, widths: [Int]) async throws -> [Layout] {
        let directory = temporaryDirectory("mnemond-layout")
        defer { try? FileManager.default.removeItem(at: directory) }
        let page = directory.appendingPathComponent("report.html")
        try html.write(to: page, atomically: true, encoding: .utf8)
        let result = try await runProgram(
            URL(fileURLWithPath: "/usr/bin/env"),
            [PeerProcess.defaultPython, PeerProcess.peerScript("page_width.py").path, page.path]
                + widths.map(String.init))
        guard result.status == 0 else {
            throw PeerError("page_width.py exited \(result.status): \(result.stderr.suffix(2000))")
        }
        return try result.stdout.split(separator: "\n").map {
            try JSONDecoder().decode(Layout.self, from: Data($0.utf8))
        }
    }

    static func expectFits(_ layouts: [Layout], widths: [Int], _ what: String) {
        #expect(layouts.map(\.width) == widths, "\(what): one layout per width")
        for layout in layouts {
            #expect(layout.viewport == layout.width)
            #expect(
                layout.scroll_width <= layout.width,
                "\(what) at \(layout.width) px is \(layout.scroll_width) px wide; past the edge: \(layout.overflowing)")
            #expect(layout.overflowing.isEmpty, "\(what) at \(layout.width) px: \(layout.overflowing)")
        }
    }

    @Test func theWeeklyReportFitsAPhoneAndADesktop() async throws {
        let (_, db, directory) = try await ReportTests.generatedStore()
        defer { try? FileManager.default.removeItem(at: directory) }
        let html = try await CLI.run(["report", "--db", db, "--format", "html"])
        #expect(html.status == 0, "\(html.stderr)")
        #expect(html.stdout.contains("Not recoverable as promised"))
        let widths = [390, 1280]
        Self.expectFits(try await Self.layout(html.stdout, widths: widths), widths: widths, "the generated week")

        // The longest names AWS allows (a 63-character bucket, a 50-character vault) and an
        // unbroken word in a message: the column must wrap them, not grow.
        let long = html.stdout
            .replacingOccurrences(
                of: "mne-media-prod", with: "mne-" + String(repeating: "media-production-", count: 3) + "eu-west-1x"
            )
            .replacingOccurrences(
                of: "eks-mnemonica-prod-vault", with: "eks-mnemonica-" + String(repeating: "x", count: 36)
            )
            .replacingOccurrences(of: "Object Lock", with: "Object" + String(repeating: "Lock", count: 30))
        #expect(long != html.stdout)
        Self.expectFits(try await Self.layout(long, widths: widths), widths: widths, "the week with the longest names")
    }

    /// The check above can fail: a fixed 760 px column, and a row of cells that may not wrap (what
    /// the report's tables used to be), are measured past the edge at 390 px by the same browser.
    @Test func aFixedWidthPageIsMeasuredAsOverflowing() async throws {
        let html = """
            <!DOCTYPE html><html><head><meta name="viewport" content="width=device-width, initial-scale=1"></head>
            <body style="margin:0"><table width="760" style="width:760px;"><tr><td>fixed</td></tr></table>
            <table style="max-width:100%"><tr><td style="white-space:nowrap;">replication mne-media-prod → mne-media-replica</td>
            <td style="white-space:nowrap;">p50 2 min 9 s</td><td style="white-space:nowrap;">p95 3 min 39 s</td></tr></table>
            </body></html>
            """
        let layouts = try await Self.layout(html, widths: [390, 1280])
        #expect(layouts.first?.scroll_width ?? 0 > 390, "\(layouts)")
        #expect(layouts.first?.overflowing.isEmpty == false)
        #expect(layouts.last.map { $0.scroll_width <= 1280 } == true)
    }
}
