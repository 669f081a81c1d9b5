#include <cstdio>

int main() {
  std::fprintf(stderr, "int8rt: no subcommands yet\n");
  return 1;
}
