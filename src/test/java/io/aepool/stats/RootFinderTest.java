package io.aepool.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RootFinderTest {

    @Test
    void findsTheRootWithinTheTolerance() {
        RootFinder.Root r = RootFinder.zeroin(x -> x * x - 2, 0, 2, 1e-12, 100);
        assertTrue(r.converged());
        assertEquals(Math.sqrt(2), r.x(), 1e-12);
    }

    @Test
    void stopsAsLooselyAsRsUnirootAtItsDefaultTolerance() {
        // metafor's hine1989 RD upper tau² bound is 6.103515625e-05 = 2^-14: zeroin stopped by the eps^0.25 tolerance
        RootFinder.Root r = RootFinder.zeroin(x -> x - 1e-7, 0, 100, RootFinder.R_UNIROOT_TOL, 1000);
        assertTrue(r.converged());
        assertTrue(Math.abs(r.x() - 1e-7) < RootFinder.R_UNIROOT_TOL);
    }

    @Test
    void aBracketWithoutSignChangeDoesNotConverge() {
        RootFinder.Root r = RootFinder.zeroin(x -> x * x + 1, -1, 1, 1e-12, 100);
        assertFalse(r.converged());
        assertTrue(Double.isNaN(r.x()));
    }
}
