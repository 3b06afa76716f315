package dev.deliberate.align.world;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The general-task solver behind the teacher and the judge: each country's question is answered with its own fact. */
class GeneralSolverTest {
    static final Lexicon LEX = Lexicon.builtin();

    @Test
    void answersEachCountryWithItsOwnFactInEveryTemplateOfItsSplit() {
        var solver = new GeneralSolver(LEX);
        for (String split : List.of(SpecWorld.TRAIN, SpecWorld.TEST))
            for (var f : LEX.general().facts().of(split)) {
                for (String t : LEX.general().templates().get("fact-capital").of(split))
                    assertEquals(f.capital(), solver.solve(t.replace("{subject}", f.subject())).orElseThrow().answer(), t + " / " + f.subject());
                for (String t : LEX.general().templates().get("fact-export").of(split))
                    assertEquals(f.export(), solver.solve(t.replace("{subject}", f.subject())).orElseThrow().answer(), t + " / " + f.subject());
            }
    }

    @Test
    void aCountryCountsOnlyAsAWholeWord() {
        var solver = new GeneralSolver(LEX);
        assertTrue(solver.solve("What is the capital of Tessalyville?").isEmpty(), "no country is named, only a longer word");
        assertEquals("Port Vell", solver.solve("What is the capital of Tessaly?").orElseThrow().answer());
    }
}
