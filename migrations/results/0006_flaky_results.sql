-- results.flags gains bit 64: the test's attempts disagreed (TestResult.flaky), kept even
-- when the final verdict is PASS. Older rows recorded only "passed on retry" (bit 1),
-- and every such result had attempts that disagreed: mark them. Other older results
-- cannot be told apart any more (a FAIL whose earlier attempt passed kept that only in
-- its detail blob) and stay unmarked.
UPDATE results SET flags = flags | 64 WHERE (flags & 1) = 1;
