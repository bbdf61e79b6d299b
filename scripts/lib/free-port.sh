# Sourced by the bench scripts: free_port prints a TCP port nobody listens on (20000..59999).
# Another process may still take it before ours binds it; the scripts accept that small race.
free_port() {
  local p
  while :; do
    p=$(( 20000 + RANDOM % 40000 ))
    ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return; }
  done
}
