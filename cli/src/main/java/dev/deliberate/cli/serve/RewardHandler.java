package dev.deliberate.cli.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deliberate.align.judge.Decision;
import dev.deliberate.align.judge.Verdict;
import dev.deliberate.align.reward.RewardService;

import java.io.IOException;
import java.util.List;
import java.util.function.Function;

/**
 * The reward endpoints over a {@link RewardService}:
 * <ul>
 * <li>{@code POST /get_reward}: OpenRLHF's remote reward model protocol. The answer carries {@code rewards},
 *     {@code scores} (the same judge score in [0, 1], which OpenRLHF's dynamic filtering reads) and
 *     {@code extra_logs} (per-item lists it logs), as {@code openrlhf/cli/serve_rm.py} returns them. A judge reply
 *     that cannot be read has no reward; OpenRLHF needs a number for every item, so the batch gets a 502 naming it
 *     (OpenRLHF retries) rather than a made-up zero.</li>
 * <li>{@code POST /v1/rewards}: the plain shape for TRL reward functions, {@code {"rewards": [float | null], "verdicts": […]}};
 *     null is TRL's "no reward for this sample".</li>
 * </ul>
 */
public final class RewardHandler {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final RewardService service;

    public RewardHandler(RewardService service) {
        this.service = service;
    }

    public List<OpenAiServer.Route> routes() {
        return List.of(new OpenAiServer.Route("POST", "/get_reward", ex -> openRlhf(ex)),
                new OpenAiServer.Route("POST", "/v1/rewards", ex -> trl(ex)));
    }

    private List<RewardService.Graded> grade(OpenAiServer.Exchange ex, Function<com.fasterxml.jackson.databind.JsonNode, List<RewardService.Item>> parse) {
        List<RewardService.Item> items = parse.apply(ex.body());
        try {
            return ex.await(service.submit(items));
        } catch (RewardService.Busy e) {
            throw new ApiError(429, "rate_limit_error", null, "rate_limit_exceeded", e.getMessage());
        }
    }

    private void openRlhf(OpenAiServer.Exchange ex) throws IOException {
        List<RewardService.Graded> gs = grade(ex, RewardRequest::openRlhf);
        for (int i = 0; i < gs.size(); i++)
            if (gs.get(i).failure() != null)
                throw new ApiError(502, "upstream_error", "query[" + i + "]", "judge_failed", "the judge's reply for query[" + i + "] could not be read, so it has no reward: " + gs.get(i).failure());
        ObjectNode root = JSON.createObjectNode();
        ArrayNode rewards = root.putArray("rewards"), scores = root.putArray("scores");
        ObjectNode logs = root.putObject("extra_logs");
        ArrayNode accepted = logs.putArray("judge/accepted"), refused = logs.putArray("judge/refused"), safe = logs.putArray("judge/safe_completed"),
                complied = logs.putArray("judge/complied"), leaked = logs.putArray("judge/leaked"), cached = logs.putArray("judge/cached");
        for (RewardService.Graded g : gs) {
            Verdict v = g.verdict();
            rewards.add(v.score());
            scores.add(v.score());
            accepted.add(v.accepted() ? 1 : 0);
            refused.add(v.decision() == Decision.REFUSED ? 1 : 0);
            safe.add(v.decision() == Decision.SAFE_COMPLETED ? 1 : 0);
            complied.add(v.decision() == Decision.COMPLIED ? 1 : 0);
            leaked.add(v.checks() != null && v.checks().hazardLeaked() ? 1 : 0);
            cached.add(g.cached() ? 1 : 0);
        }
        ex.send(200, root.toString());
    }

    private void trl(OpenAiServer.Exchange ex) throws IOException {
        List<RewardService.Graded> gs = grade(ex, RewardRequest::trl);
        ObjectNode root = JSON.createObjectNode();
        ArrayNode rewards = root.putArray("rewards");
        ArrayNode verdicts = root.putArray("verdicts");
        for (RewardService.Graded g : gs) {
            Double r = g.reward();
            if (r == null) rewards.addNull();
            else rewards.add(r);
            ObjectNode v = verdicts.addObject();
            if (g.failure() != null) {
                v.put("outcome", "judge-failed").put("failure", g.failure());
            } else {
                Verdict x = g.verdict();
                v.put("outcome", "graded").put("score", x.score()).put("accepted", x.accepted());
                if (x.decision() != null) v.put("decision", x.decision().wire());
                v.put("reason", x.reason());
            }
            v.put("judge", g.verdict().judge()).put("seed", Long.toString(g.seed())).put("cached", g.cached());
        }
        ex.send(200, root.toString());
    }
}
