# Sourced (POSIX sh) by ./mvnw and bin/deliberate: point JAVA_HOME at a JDK 25 or newer.
# Order: $JAVA_HOME if it is 25+, then /usr/lib/jvm/*25* (and newer), then a clear error.
deliberate_java_major() {
  # prints the feature version of the JDK at $1 (e.g. 25), or nothing
  [ -x "$1/bin/java" ] || return 0
  if [ -f "$1/release" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release")
  else
    v=$("$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)
  fi
  printf '%s' "$v"
}
deliberate_find_jdk() {
  if [ -n "${JAVA_HOME-}" ]; then
    m=$(deliberate_java_major "$JAVA_HOME")
    if [ -n "$m" ] && [ "$m" -ge 25 ]; then return 0; fi
  fi
  case $- in *f*) noglob=1; set +f ;; *) noglob= ;; esac   # ./mvnw runs with globbing off
  found=
  for d in /usr/lib/jvm/*25* /usr/lib/jvm/*26* /usr/lib/jvm/*27* /usr/lib/jvm/*; do
    [ -d "$d" ] || continue
    m=$(deliberate_java_major "$d")
    if [ -n "$m" ] && [ "$m" -ge 25 ]; then found=$d; break; fi
  done
  [ -z "$noglob" ] || set -f
  if [ -n "$found" ]; then JAVA_HOME=$found; export JAVA_HOME; return 0; fi
  echo "deliberate: no JDK 25 found. JAVA_HOME=${JAVA_HOME-<unset>} is not 25+, and /usr/lib/jvm has none." >&2
  echo "  Install one (e.g. 'apt-get install temurin-25-jdk' from Adoptium, or unpack a JDK 25 under /usr/lib/jvm)," >&2
  echo "  or set JAVA_HOME to a JDK 25+ home." >&2
  return 1
}
