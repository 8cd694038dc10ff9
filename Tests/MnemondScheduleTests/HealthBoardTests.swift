import Foundation
import MnemondSchedule
import Testing

/// The watchdog's view of several estates' schedulers: one stuck or silent estate is enough.
@Suite struct HealthBoardTests {
    let t0 = ContinuousClock.now

    @Test func healthyWhileEveryEstateTicksHealthy() {
        let board = HealthBoard()
        board.expect(["alpha", "bravo"], now: t0)
        board.record("alpha", .healthy, now: t0 + .seconds(10))
        board.record("bravo", .healthy, now: t0 + .seconds(10))
        #expect(board.problem(staleAfter: .seconds(30), now: t0 + .seconds(20)) == nil)
    }

    @Test func oneUnhealthyEstateIsNamed() {
        let board = HealthBoard()
        board.expect(["alpha", "bravo"], now: t0)
        board.record("bravo", .unhealthy("pitr has been running for 11 min"), now: t0 + .seconds(10))
        #expect(
            board.problem(staleAfter: .seconds(30), now: t0 + .seconds(10))
                == "estate bravo: pitr has been running for 11 min")
    }

    @Test func anEstateWhoseTicksStoppedIsStuck() {
        let board = HealthBoard()
        board.expect(["alpha", "bravo"], now: t0)
        board.record("alpha", .healthy, now: t0 + .seconds(40))
        #expect(
            board.problem(staleAfter: .seconds(30), now: t0 + .seconds(41))
                == "estate bravo: its scheduler has not ticked for 41 s")
    }

    @Test func aSingleSchedulersReasonIsGivenAsItIs() {
        let board = HealthBoard()
        board.expect(["828879644785"], now: t0)
        board.record("828879644785", .unhealthy("paused for 2 h"), now: t0)
        #expect(board.problem(staleAfter: .seconds(30), now: t0) == "paused for 2 h")
    }

    @Test func aReloadForgetsEstatesNoLongerRunning() {
        let board = HealthBoard()
        board.expect(["alpha", "gone"], now: t0)
        board.expect(["alpha"], now: t0 + .seconds(100))
        #expect(board.problem(staleAfter: .seconds(30), now: t0 + .seconds(110)) == nil)
    }
}
