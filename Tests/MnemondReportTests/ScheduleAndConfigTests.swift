import Foundation
import MnemondModel
import MnemondReport
import Testing

@Suite struct SendScheduleTests {
    @Test(arguments: [
        ("Monday 08:00", "Monday 08:00"), ("mon 8:00", "Monday 08:00"), ("SUNDAY 23:30", "Sunday 23:30"),
        ("Wed 00:00", "Wednesday 00:00"),
    ])
    func sendAtReadsAWeekdayAndATime(_ text: String, _ normalized: String) {
        #expect(SendSchedule.parse(text)?.description == normalized)
    }

    @Test(arguments: [
        "Monday", "08:00", "Mo 08:00", "Monday 24:00", "Monday 8", "Monday 08:60", "Funday 08:00", "Monday 08:00 UTC",
    ])
    func otherSendAtTextIsRejected(_ text: String) {
        #expect(SendSchedule.parse(text) == nil)
    }

    struct DueCase: Sendable, CustomTestStringConvertible {
        var name: String
        var now: String
        var lastSent: String?
        var watchingSince: String? = "2026-10-01T00:00:00Z"
        var schedule = SendSchedule.defaultSchedule
        var due: Bool
        var slot: String
        var period: String
        var next: String
        var reason: String
        var testDescription: String { name }
    }

    static let cases: [DueCase] = [
        DueCase(
            name: "at the scheduled time", now: "2026-11-23T08:00:30+01:00", lastSent: "2026-11-16T08:00:10+01:00",
            due: true, slot: "2026-11-23T08:00:00+01:00", period: "2026-W47", next: "2026-11-23T08:00:00+01:00",
            reason: "due: scheduled Mon 23 Nov 08:00 (Europe/Rome), report for 2026-W47"),
        DueCase(
            name: "a minute before it", now: "2026-11-23T07:59:00+01:00", lastSent: "2026-11-16T08:00:10+01:00",
            due: false, slot: "2026-11-16T08:00:00+01:00", period: "2026-W46", next: "2026-11-23T08:00:00+01:00",
            reason:
                "not due: the report scheduled Mon 16 Nov 08:00 (Europe/Rome) was queued Mon 16 Nov 08:00 (Europe/Rome); next Mon 23 Nov 08:00 (Europe/Rome)"
        ),
        DueCase(
            name: "a restart right after sending", now: "2026-11-23T08:01:00+01:00",
            lastSent: "2026-11-23T08:00:05+01:00", due: false, slot: "2026-11-23T08:00:00+01:00", period: "2026-W47",
            next: "2026-11-30T08:00:00+01:00",
            reason:
                "not due: the report scheduled Mon 23 Nov 08:00 (Europe/Rome) was queued Mon 23 Nov 08:00 (Europe/Rome); next Mon 30 Nov 08:00 (Europe/Rome)"
        ),
        DueCase(
            name: "down on Monday, started on Tuesday", now: "2026-11-24T10:00:00+01:00",
            lastSent: "2026-11-16T08:00:10+01:00", due: true, slot: "2026-11-23T08:00:00+01:00", period: "2026-W47",
            next: "2026-11-23T08:00:00+01:00",
            reason:
                "catching up: the report scheduled Mon 23 Nov 08:00 (Europe/Rome) was not sent (mnemond was not running then); sending the 2026-W47 report 1 d 2 h late"
        ),
        DueCase(
            name: "down for three weeks: only the last week is sent", now: "2026-12-09T10:00:00+01:00",
            lastSent: "2026-11-16T08:00:10+01:00", due: true, slot: "2026-12-07T08:00:00+01:00", period: "2026-W49",
            next: "2026-12-07T08:00:00+01:00",
            reason:
                "catching up: the report scheduled Mon 7 Dec 08:00 (Europe/Rome) was not sent (mnemond was not running then); sending the 2026-W49 report 2 d 2 h late"
        ),
        DueCase(
            name: "installed mid-week: the first Monday sends", now: "2026-11-23T08:00:00+01:00", lastSent: nil,
            watchingSince: "2026-11-18T10:00:00+01:00", due: true, slot: "2026-11-23T08:00:00+01:00",
            period: "2026-W47", next: "2026-11-23T08:00:00+01:00",
            reason: "due: scheduled Mon 23 Nov 08:00 (Europe/Rome), report for 2026-W47"),
        DueCase(
            name: "installed after this week's time: wait for next week", now: "2026-11-23T10:00:00+01:00",
            lastSent: nil,
            watchingSince: "2026-11-23T09:00:00+01:00", due: false, slot: "2026-11-23T08:00:00+01:00",
            period: "2026-W47", next: "2026-11-30T08:00:00+01:00",
            reason:
                "not due: mnemond started watching Mon 23 Nov 09:00 (Europe/Rome), after the last scheduled time; first report Mon 30 Nov 08:00 (Europe/Rome)"
        ),
        DueCase(
            name: "nothing recorded yet", now: "2026-11-23T10:00:00+01:00", lastSent: nil, watchingSince: nil,
            due: false,
            slot: "2026-11-23T08:00:00+01:00", period: "2026-W47", next: "2026-11-30T08:00:00+01:00",
            reason: "not due: mnemond has recorded nothing yet; next look Mon 30 Nov 08:00 (Europe/Rome)"),
        DueCase(
            name: "a time the spring-forward night skips runs at 03:00", now: "2026-03-29T04:00:00+02:00",
            lastSent: "2026-03-22T02:30:00+01:00", schedule: SendSchedule(weekday: 7, hour: 2, minute: 30), due: true,
            slot: "2026-03-29T03:00:00+02:00", period: "2026-W12", next: "2026-03-29T03:00:00+02:00",
            reason:
                "catching up: the report scheduled Sun 29 Mar 03:00 (Europe/Rome) was not sent (mnemond was not running then); sending the 2026-W12 report 1 h late"
        ),
    ]

    @Test(arguments: cases)
    func theReportIsDueOncePerWeekAndCatchesUpOnce(_ c: DueCase) {
        let d = WeeklyReport.isDue(
            now: iso(c.now), lastSent: c.lastSent.map(iso), schedule: c.schedule, timeZone: rome,
            watchingSince: c.watchingSince.map(iso))
        #expect(d.due == c.due)
        #expect(d.slot == iso(c.slot))
        #expect(d.period.key == c.period)
        #expect(d.next == iso(c.next))
        #expect(d.reason == c.reason)
    }
}
