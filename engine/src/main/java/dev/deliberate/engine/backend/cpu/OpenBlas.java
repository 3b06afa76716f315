package dev.deliberate.engine.backend.cpu;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.zip.ZipFile;

/**
 * OpenBLAS's {@code cblas_sgemm} through the FFM API (no JNI glue). Heap {@code float[]} arrays are passed with no
 * copy through a critical downcall ({@code Linker.Option.critical(true)}: the GC does not move them during the call).
 *
 * <p>Where the library comes from, first hit wins: the file named by the system property {@code deliberate.openblas}
 * (or {@code DELIBERATE_OPENBLAS}); the {@code org.bytedeco:openblas} linux-x86_64 jar, on the class path or in the
 * local Maven repository, whose {@code libopenblas.so.0} (with its {@code libgfortran.so.5} and {@code
 * libquadmath.so.0}) is extracted once into {@code ~/.cache/deliberate/openblas/<sha-256>/} and checked against the
 * jar's bytes by SHA-256 each time; a system {@code libopenblas.so.0} (Debian {@code libopenblas0}).
 */
public final class OpenBlas {
    private static final int ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;
    private static final String JAR_DIR = "org/bytedeco/openblas/linux-x86_64/";
    /** The jar's libraries in load order: dependencies first, so the loader finds them by soname. */
    private static final List<String> JAR_LIBS = List.of("libquadmath.so.0", "libgfortran.so.5", "libopenblas.so.0");

    private final MethodHandle sgemm;
    private final String source;
    private final String config;

    private OpenBlas(MethodHandle sgemm, String source, String config) {
        this.sgemm = sgemm;
        this.source = source;
        this.config = config;
    }

    /** The result of looking for the library once per JVM: the library, or why there is none. */
    private record Loaded(OpenBlas blas, String missing) {}

    private static volatile Loaded loaded;

    /**
     * The library, loaded on first use and set to one thread (callers split work over their own workers); null when
     * none could be found ({@link #missingReason()}).
     */
    public static OpenBlas get() {
        Loaded l = loaded;
        if (l == null) {
            synchronized (OpenBlas.class) {
                if (loaded == null) loaded = load(1);
                l = loaded;
            }
        }
        return l.blas();
    }

    /** Why {@link #get} returned null (null when it did not). */
    public static String missingReason() {
        Loaded l = loaded;
        return l == null ? null : l.missing();
    }

    /** Where the library was found. */
    public String source() {
        return source;
    }

    /** OpenBLAS's own build string ({@code openblas_get_config}), e.g. its version and the kernel core it chose. */
    public String config() {
        return config;
    }

    private static Loaded load(int threads) {
        var tried = new ArrayList<String>();
        for (Candidate c : candidates(tried)) {
            try {
                SymbolLookup lookup = null;
                for (Path p : c.files()) lookup = SymbolLookup.libraryLookup(p, Arena.global());
                if (c.files().isEmpty()) lookup = SymbolLookup.libraryLookup(c.name(), Arena.global());
                return new Loaded(bind(lookup, c.name(), threads), null);
            } catch (IllegalArgumentException | UnsatisfiedLinkError | IllegalStateException e) {
                tried.add(c.name() + " (" + e.getMessage() + ")");
            }
        }
        return new Loaded(null, "no OpenBLAS library found; tried " + String.join("; ", tried)
                + ". Add the org.bytedeco:openblas linux-x86_64 jar, install libopenblas0, or set deliberate.openblas=/path/libopenblas.so");
    }

    private static OpenBlas bind(SymbolLookup lookup, String source, int threads) {
        Linker linker = Linker.nativeLinker();
        var ptr = ValueLayout.ADDRESS;
        var i = ValueLayout.JAVA_INT;
        var f = ValueLayout.JAVA_FLOAT;
        MemorySegment sym = lookup.find("cblas_sgemm").orElseThrow(() -> new IllegalStateException("no cblas_sgemm in " + source));
        MethodHandle sgemm = linker.downcallHandle(sym,
                FunctionDescriptor.ofVoid(i, i, i, i, i, i, f, ptr, i, ptr, i, f, ptr, i), Linker.Option.critical(true));
        String config = "OpenBLAS";
        try {
            var setThreads = lookup.find("openblas_set_num_threads");
            if (setThreads.isPresent()) {
                linker.downcallHandle(setThreads.get(), FunctionDescriptor.ofVoid(i)).invokeExact(threads);
            }
            var getConfig = lookup.find("openblas_get_config");
            if (getConfig.isPresent()) {
                var s = (MemorySegment) linker.downcallHandle(getConfig.get(), FunctionDescriptor.of(ptr)).invokeExact();
                config = s.reinterpret(4096).getString(0).trim();
            }
        } catch (Throwable t) {
            throw new IllegalStateException("calling OpenBLAS setup in " + source + ": " + t, t);
        }
        return new OpenBlas(sgemm, source, config);
    }

    /**
     * {@code C = alpha·op(A)·op(B) + beta·C}, row-major, on heap arrays at element offsets (cblas_sgemm). Sizes must be
     * positive; the caller checks bounds.
     */
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, int lda,
                      float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        try {
            sgemm.invokeExact(ROW_MAJOR, transA ? TRANS : NO_TRANS, transB ? TRANS : NO_TRANS, m, n, k, 1f,
                    MemorySegment.ofArray(a).asSlice(4L * aOff), lda,
                    MemorySegment.ofArray(b).asSlice(4L * bOff), ldb, beta,
                    MemorySegment.ofArray(c).asSlice(4L * cOff), ldc);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** A place the library may be: files to load in order (empty: a name for the system loader). */
    private record Candidate(String name, List<Path> files) {}

    private static List<Candidate> candidates(List<String> tried) {
        var out = new ArrayList<Candidate>();
        String explicit = System.getProperty("deliberate.openblas", System.getenv("DELIBERATE_OPENBLAS"));
        if (explicit != null && !explicit.isBlank()) {
            Path p = Path.of(explicit.trim());
            if (Files.isRegularFile(p)) out.add(new Candidate(p.toString(), List.of(p)));
            else tried.add("deliberate.openblas=" + explicit + " (no such file)");
        }
        boolean linuxX64 = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")
                && List.of("amd64", "x86_64").contains(System.getProperty("os.arch", ""));
        if (linuxX64) {
            try {
                var fromClassPath = extractFromClassPath();
                if (fromClassPath != null) out.add(fromClassPath);
                else tried.add("org.bytedeco:openblas linux-x86_64 jar on the class path (absent)");
                var fromMaven = extractFromLocalMaven();
                if (fromMaven != null) out.add(fromMaven);
                else tried.add("org.bytedeco:openblas in ~/.m2 (absent)");
            } catch (IOException | UncheckedIOException e) {
                tried.add("extracting the org.bytedeco:openblas jar (" + e.getMessage() + ")");
            }
        }
        out.add(new Candidate("libopenblas.so.0", List.of()));
        out.add(new Candidate("libopenblas.so", List.of()));
        return out;
    }

    private interface Opener {
        InputStream open(String name) throws IOException;
    }

    private static Candidate extractFromClassPath() throws IOException {
        ClassLoader cl = OpenBlas.class.getClassLoader();
        if (cl.getResource(JAR_DIR + "libopenblas.so.0") == null) return null;
        return extract("class path", name -> cl.getResourceAsStream(JAR_DIR + name));
    }

    private static Candidate extractFromLocalMaven() throws IOException {
        Path dir = Path.of(System.getProperty("user.home"), ".m2", "repository", "org", "bytedeco", "openblas");
        if (!Files.isDirectory(dir)) return null;
        Path newest = null;
        try (DirectoryStream<Path> versions = Files.newDirectoryStream(dir)) {
            for (Path v : versions) {
                Path jar = v.resolve("openblas-" + v.getFileName() + "-linux-x86_64.jar");
                if (Files.isRegularFile(jar) && (newest == null || v.getFileName().toString().compareTo(
                        newest.getParent().getFileName().toString()) > 0)) newest = jar;
            }
        }
        if (newest == null) return null;
        try (var zip = new ZipFile(newest.toFile())) {
            if (zip.getEntry(JAR_DIR + "libopenblas.so.0") == null) return null;
            return extract(newest.toString(), name -> {
                var e = zip.getEntry(JAR_DIR + name);
                if (e == null) throw new IOException(name + " not in " + zip.getName());
                return zip.getInputStream(e);
            });
        }
    }

    /**
     * Copies the jar's libraries into a cache folder named after the SHA-256 of the jar's libopenblas, reusing files
     * whose SHA-256 matches the jar's bytes and replacing (atomically) any that do not.
     */
    private static Candidate extract(String from, Opener opener) throws IOException {
        var bytes = new ArrayList<byte[]>();
        for (String name : JAR_LIBS) {
            try (InputStream in = opener.open(name)) {
                if (in == null) throw new IOException(name + " missing from the openblas jar (" + from + ")");
                bytes.add(in.readAllBytes());
            }
        }
        String digest = sha256(bytes.getLast());
        String cacheHome = System.getenv("XDG_CACHE_HOME");
        Path base = cacheHome != null && !cacheHome.isBlank() ? Path.of(cacheHome)
                : Path.of(System.getProperty("user.home"), ".cache");
        Path dir = base.resolve("deliberate").resolve("openblas").resolve(digest.substring(0, 16));
        Files.createDirectories(dir);
        var files = new ArrayList<Path>();
        for (int i = 0; i < JAR_LIBS.size(); i++) {
            Path target = dir.resolve(JAR_LIBS.get(i));
            byte[] want = bytes.get(i);
            if (!Files.isRegularFile(target) || !sha256(Files.readAllBytes(target)).equals(sha256(want))) {
                Path tmp = Files.createTempFile(dir, JAR_LIBS.get(i), ".part");
                Files.write(tmp, want);
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            files.add(target);
        }
        return new Candidate(dir.resolve("libopenblas.so.0") + " (from " + from + ")", files);
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
