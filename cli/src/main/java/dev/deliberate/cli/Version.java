package dev.deliberate.cli;

import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The version Maven stamped into the jar, with the Java runtime it runs on. */
public final class Version implements CommandLine.IVersionProvider {

    public static String number() {
        try (InputStream in = Version.class.getResourceAsStream("/deliberate-version.properties")) {
            if (in == null) throw new IllegalStateException("deliberate-version.properties is missing from the jar; rebuild with ./mvnw package");
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String[] getVersion() {
        return new String[]{
                "deliberate " + number(),
                "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"};
    }
}
