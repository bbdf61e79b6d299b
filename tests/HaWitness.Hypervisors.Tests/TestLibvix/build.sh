#!/usr/bin/env bash
# Builds the TEST DOUBLE of libvixAllProducts.so (testlibvix.c) with gcc: build.sh OUTPUT.so
set -euo pipefail
gcc -std=c11 -O2 -Wall -Wextra -Werror -fPIC -shared -o "$1" "$(dirname "$0")/testlibvix.c" -lpthread
