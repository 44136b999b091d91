// SIGINT / SIGTERM as a polled flag, SIGBUS explained (dynae/runtime.h).
#include <unistd.h>

#include <csignal>
#include <cstring>

#include "dynae/runtime.h"

namespace dynae {
namespace {

volatile std::sig_atomic_t g_signal = 0;

extern "C" void on_interrupt(int signal) {
  g_signal = signal;
  std::signal(signal, SIG_DFL);  // a second one ends the process
}

extern "C" void on_bus_error(int) {
  static const char message[] =
      "\ndynae: error: bus error reading memory. The likely cause: an input .npy file that this run reads in place "
      "(map_inputs) was truncated or rewritten in place while it ran (numpy's np.save to the same name does that). "
      "Files dynae writes are replaced whole, so the last checkpoint is intact: rerun with --resume, and write new "
      "data to a new file (or give --map-inputs never).\n";
  const ssize_t ignored = ::write(2, message, sizeof message - 1);  // async-signal-safe
  (void)ignored;
  ::_exit(128 + SIGBUS);
}

}  // namespace

void explain_bus_errors() {
  struct sigaction action {};
  action.sa_handler = on_bus_error;
  sigemptyset(&action.sa_mask);
  sigaction(SIGBUS, &action, nullptr);
}

void catch_interrupts() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

int interrupt_signal() { return g_signal; }

void raise_interrupt(int signal) { g_signal = signal; }

void clear_interrupt() { g_signal = 0; }

}  // namespace dynae
