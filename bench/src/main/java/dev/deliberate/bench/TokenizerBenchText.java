package dev.deliberate.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A deterministic mixed-language corpus for tokenizer benchmarks: documents of English prose, source code, Chinese,
 * Japanese, Korean, Russian, Arabic, emoji-laden chat and number tables, drawn from fixed word lists by a seeded
 * generator, so every run (and every machine) measures the same bytes.
 */
public final class TokenizerBenchText {
    private TokenizerBenchText() {}

    private static final String[] ENGLISH = ("the of and to in is was that for it with as his on be at by had are but from or have an they which one "
            + "you were her all she there would their we him been has when who will more no if out so said what up its about into than them "
            + "can only other new some could time these two may then do first any my now such like our over man me even most made after also "
            + "did many before must through back years where much your way well down should because each just those people how too little "
            + "specification reasoning assistant refuse comply category policy answer question careful dangerous allowed disallowed deliberate").split(" ");
    private static final String[] CODE = {
            "def tokenize(text):\n    return [t for t in text.split() if t]\n",
            "for (int i = 0; i < n; i++) {\n    sum += a[i] * b[i];\n}\n",
            "const result = await fetch(`/api/v1/items?page=${page}`);\n",
            "if err != nil {\n\treturn nil, fmt.Errorf(\"read %s: %w\", path, err)\n}\n",
            "SELECT id, name, COUNT(*) AS n FROM users GROUP BY id HAVING n > 2;\n",
            "public static <T> List<T> reversed(List<T> xs) { return xs.reversed(); }\n",
            "    # TODO(alice): handle the empty case\n    x = np.zeros((3, 4), dtype=np.float32)\n",
            "<div class=\"card\"><span>{{ user.name }}</span></div>\n"};
    private static final String[] CHINESE = "我们 今天 学习 分词器 模型 数据 世界 你好 中文 测试 安全 规范 推理 回答 问题 用户 助手 系统 训练 评估 语言 机器 学习 深度 网络".split(" ");
    private static final String[] JAPANESE = "日本語 の テキスト を 分割 します これは テスト です 東京 大阪 機械学習 モデル 安全性 仕様 推論 ありがとう ございます".split(" ");
    private static final String[] KOREAN = "한국어 텍스트 토크나이저 모델 데이터 안전 사양 추론 질문 답변 사용자 학습 평가 세계 안녕하세요".split(" ");
    private static final String[] RUSSIAN = "русский текст модель данные безопасность спецификация рассуждение вопрос ответ пользователь обучение оценка мир привет язык машина".split(" ");
    private static final String[] ARABIC = "العربية نص نموذج بيانات أمان مواصفات استدلال سؤال جواب مستخدم تدريب تقييم عالم مرحبا لغة".split(" ");
    private static final String[] EMOJI = {"😀", "👍🏽", "🚀", "👨‍👩‍👧", "🇯🇵", "❤️", "🤔", "🎉", "🔥", "✅", "🧑🏿‍💻", "☕"};

    /** Documents of about 1 KB each until {@code bytes} UTF-8 bytes in total. */
    public static List<String> documents(long bytes, long seed) {
        Random r = new Random(seed);
        List<String> docs = new ArrayList<>();
        long total = 0;
        while (total < bytes) {
            String d = document(r);
            docs.add(d);
            total += d.getBytes(StandardCharsets.UTF_8).length;
        }
        return docs;
    }

    private static String document(Random r) {
        StringBuilder sb = new StringBuilder(1200);
        int genre = r.nextInt(10);
        while (sb.length() < 700) {
            switch (genre) {
                case 0, 1, 2 -> sentence(r, sb, ENGLISH, " ", ". ");
                case 3 -> sb.append(CODE[r.nextInt(CODE.length)]);
                case 4 -> sentence(r, sb, CHINESE, "", "。");
                case 5 -> sentence(r, sb, r.nextBoolean() ? JAPANESE : KOREAN, r.nextBoolean() ? "" : " ", "。");
                case 6 -> sentence(r, sb, RUSSIAN, " ", ". ");
                case 7 -> sentence(r, sb, ARABIC, " ", ". ");
                case 8 -> {
                    sentence(r, sb, ENGLISH, " ", " ");
                    for (int i = r.nextInt(4); i >= 0; i--) sb.append(EMOJI[r.nextInt(EMOJI.length)]);
                    sb.append('\n');
                }
                default -> sb.append(r.nextInt(100_000)).append('\t').append(String.format("%.3f", r.nextGaussian() * 1e3))
                        .append('\t').append(r.nextInt(13)).append("e-").append(r.nextInt(20)).append('\n');
            }
        }
        return sb.append("\n\n").toString();
    }

    private static final String[] SYLLABLES = ("ka lo mi ren tus vo zar quen bri dal fe gno hu jix pla sto wer yal cor nem "
            + "ta ri on el sa ve mor lin qua dex pho struc tion ment able ing").split(" ");

    /** A made-up word, so the text keeps meeting words no cache has seen (as real text does: names, typos, jargon). */
    private static String rareWord(Random r) {
        StringBuilder w = new StringBuilder();
        for (int i = 1 + r.nextInt(4); i > 0; i--) w.append(SYLLABLES[r.nextInt(SYLLABLES.length)]);
        return w.toString();
    }

    private static void sentence(Random r, StringBuilder sb, String[] words, String sep, String end) {
        int n = 4 + r.nextInt(14);
        for (int i = 0; i < n; i++) {
            // Zipf-like: frequent words come first in each list; one word in five is rare (Latin-script text only)
            String w = sep.equals(" ") && words == ENGLISH && r.nextInt(5) == 0 ? rareWord(r)
                    : words[(int) (words.length * Math.pow(r.nextDouble(), 2.5))];
            if (i == 0 && sep.equals(" ") && !w.isEmpty()) w = Character.toUpperCase(w.charAt(0)) + w.substring(1);
            sb.append(i == 0 ? "" : sep).append(w);
        }
        sb.append(end);
    }
}
