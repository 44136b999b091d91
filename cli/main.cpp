// dynae: command-line front end (cli/command_line.h).
#include "command_line.h"
#include "dynae/runtime.h"

int main(int argc, char** argv) {
  dynae::keep_freed_memory();
  dynae::explain_bus_errors();
  return dynae::cli::run_command_line(argc, argv);
}
