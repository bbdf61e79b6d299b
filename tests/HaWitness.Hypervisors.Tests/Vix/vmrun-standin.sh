#!/usr/bin/env bash
# STAND-IN for VMware's vmrun, for tests only. It checks the argument vector it receives against
# vmrun's grammar (-T TYPE [-h HOST] [-u USER] [-p PASSWORD] COMMAND ARGS), records every call
# (arguments separated by \x1f) in vmrun-state/calls beside itself, writes any grammar violation
# to vmrun-state/violations, and keeps VM state in files the way vmrun reports it:
#   list / listRegisteredVM print "Total ...: N" and one path per line; errors are "Error: ..."
#   on stdout with exit code 255; suspend leaves NAME.vmss beside the .vmx.
# A .vmx containing "standin.hang" makes start hang; "standin.startError" makes start fail.
set -u
state="$(dirname "$0")/vmrun-state"
mkdir -p "$state"
touch "$state/running" "$state/registered"
{ printf '%s\x1f' "$@"; printf '\n'; } >> "$state/calls"

bad() { printf '%s\n' "$*" >> "$state/violations"; echo "Error: stand-in vmrun: $*"; exit 2; }
fail() { echo "Error: $*"; exit 255; }

[ "${1:-}" = -T ] || bad "first argument must be -T, got '${1:-}'"
case "${2:-}" in ws|server|server1|fusion|esx|vc|player|ws-shared) ;; *) bad "bad host type '${2:-}'" ;; esac
type=$2
shift 2
while [ $# -gt 0 ]; do
  case "$1" in
    -h|-u|-p) [ $# -ge 2 ] || bad "$1 without a value"; shift 2 ;;
    -*) bad "unknown flag '$1'" ;;
    *) break ;;
  esac
done
cmd=${1:-}
[ -n "$cmd" ] || bad "no command"
shift

vmx() { case "${1:-}" in /*.vmx|\[*\]\ *.vmx) ;; *) bad "not a .vmx path: '${1:-}'" ;; esac; }
has() { grep -qxF -- "$2" "$state/$1"; }
add() { has "$1" "$2" || printf '%s\n' "$2" >> "$state/$1"; }
del() { grep -vxF -- "$2" "$state/$1" > "$state/$1.tmp"; mv "$state/$1.tmp" "$state/$1"; }
exists() { case "$1" in /*) [ -f "$1" ] ;; *) true ;; esac; }
setting() { case "$1" in /*) [ -f "$1" ] && grep -q "$2" "$1" ;; *) false ;; esac; }
server() { case "$type" in server|server1|esx|vc) true ;; *) false ;; esac; }

case "$cmd" in
  list)
    [ $# -eq 0 ] || bad "list takes no arguments"
    echo "Total running VMs: $(grep -c . "$state/running")"
    cat "$state/running" ;;
  listRegisteredVM)
    [ $# -eq 0 ] || bad "listRegisteredVM takes no arguments"
    server || bad "listRegisteredVM on host type $type"
    echo "Total registered VMs: $(grep -c . "$state/registered")"
    cat "$state/registered" ;;
  start)
    [ $# -eq 2 ] || bad "start VMX gui|nogui: $# arguments"
    vmx "$1"
    case "$2" in gui|nogui) ;; *) bad "start mode '$2'" ;; esac
    if setting "$1" standin.hang; then echo $$ > "$state/hang.pid"; sleep 60; fi
    exists "$1" || fail "Cannot open VM: $1, The virtual machine cannot be found"
    setting "$1" standin.startError && fail "The virtual machine could not start: Failed to lock the file"
    server && ! has registered "$1" && fail "Cannot open VM: $1, The virtual machine cannot be found"
    add running "$1"
    case "$1" in /*) rm -f "${1%.vmx}.vmss" ;; esac ;;
  stop|suspend)
    [ $# -eq 2 ] || bad "$cmd VMX hard|soft: $# arguments"
    vmx "$1"
    case "$2" in hard|soft) ;; *) bad "$cmd mode '$2'" ;; esac
    has running "$1" || fail "The virtual machine is not powered on: $1"
    del running "$1"
    if [ "$cmd" = suspend ]; then case "$1" in /*) : > "${1%.vmx}.vmss" ;; esac; fi ;;
  register)
    [ $# -eq 1 ] || bad "register VMX: $# arguments"
    vmx "$1"
    server || bad "register on host type $type"
    exists "$1" || fail "Cannot open VM: $1, The virtual machine cannot be found"
    add registered "$1" ;;
  unregister)
    [ $# -eq 1 ] || bad "unregister VMX: $# arguments"
    vmx "$1"
    server || bad "unregister on host type $type"
    has running "$1" && fail "The virtual machine should not be powered on. It is already running."
    has registered "$1" || fail "The virtual machine cannot be found"
    del registered "$1" ;;
  *) bad "unknown command '$cmd'" ;;
esac
exit 0
