package dev.deliberate.align.eval.score;

import dev.deliberate.align.llm.ChatModel;
import dev.deliberate.align.llm.Completion;
import dev.deliberate.align.llm.Message;
import dev.deliberate.align.llm.SamplingParams;

import java.util.ArrayList;
import java.util.List;

/** A judge that replies with canned text and records what it was asked. */
final class CannedChatModel implements ChatModel {
    final List<List<Message>> asked = new ArrayList<>();
    final List<SamplingParams> params = new ArrayList<>();
    private final String reply;
    private final String finish;

    CannedChatModel(String reply) {
        this(reply, "stop");
    }

    CannedChatModel(String reply, String finish) {
        this.reply = reply;
        this.finish = finish;
    }

    @Override
    public String id() {
        return "canned";
    }

    @Override
    public List<Completion> chat(List<Message> messages, SamplingParams p) {
        asked.add(messages);
        params.add(p);
        var out = new ArrayList<Completion>();
        for (int i = 0; i < p.n(); i++) out.add(Completion.fromText(reply, finish, null));
        return out;
    }
}
