// Simulation speed: Mueller-Brown integration steps per second for both
// schemes (one trajectory on one thread; then one trajectory per core), the
// expression-potential path (same formula through muParser with central
// differences), and movie rendering frames per second.
// Prints a readable summary and "BENCH <name> <value> <unit>" lines.
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "dynae/simulate/integrator.h"
#include "dynae/simulate/movie.h"
#include "dynae/simulate/systems.h"

namespace {

using Clock = std::chrono::steady_clock;

void line(const std::string& name, double value, const char* unit) {
  std::printf("BENCH %s %.6g %s\n", name.c_str(), value, unit);
}

double steps_per_second(const dynae::Potential& pot, dynae::LangevinOptions o) {
  const auto t0 = Clock::now();
  dynae::simulate_langevin(pot, o);
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  return static_cast<double>(o.steps) * static_cast<double>(o.trajectories) / s;
}

}  // namespace

int main() {
  const auto mb = dynae::make_system_potential("mueller_brown");
  const auto mb_expr = dynae::make_expression_potential(
      "-200*exp(-(x-1)^2 - 10*y^2) - 100*exp(-x^2 - 10*(y-0.5)^2)"
      " - 170*exp(-6.5*(x+0.5)^2 + 11*(x+0.5)*(y-1.5) - 6.5*(y-1.5)^2)"
      " + 15*exp(0.7*(x+1)^2 + 0.6*(x+1)*(y-1) + 0.7*(y-1)^2)");
  dynae::LangevinOptions o;
  o.dt = 1e-4;
  o.kT = 15;
  o.steps = 5000000;
  o.stride = 10;
  o.start = {-0.558, 1.442};
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::printf("dynae simulation benchmark: Mueller-Brown, dt 1e-4, kT 15, %lld steps, stride 10\n",
              static_cast<long long>(o.steps));

  const double em = steps_per_second(*mb, o);
  line("mueller_brown_em_steps_per_s_1thread", em, "steps/s");
  o.scheme = dynae::LangevinScheme::LeimkuhlerMatthews;
  const double lm = steps_per_second(*mb, o);
  line("mueller_brown_lm_steps_per_s_1thread", lm, "steps/s");
  o.scheme = dynae::LangevinScheme::EulerMaruyama;
  o.trajectories = cores;
  o.threads = cores;
  const double par = steps_per_second(*mb, o);
  line("mueller_brown_em_steps_per_s_all_cores", par, "steps/s");
  o.trajectories = 1;
  o.threads = 1;
  o.steps = 1000000;
  const double expr = steps_per_second(*mb_expr, o);
  line("mueller_brown_expression_steps_per_s_1thread", expr, "steps/s");

  o.steps = 200000;
  const dynae::Array truth = dynae::simulate_langevin(*mb, o)[0];
  for (int64_t size : {32, 64}) {
    dynae::MovieOptions m;
    m.size = size;
    const auto t0 = Clock::now();
    const dynae::Array movie = dynae::render_movie(truth, m);
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    line("movie_render_frames_per_s_" + std::to_string(size) + "px", static_cast<double>(movie.frames()) / s,
         "frames/s");
  }
  std::printf(
      "summary: EM %.1f M steps/s, LM %.1f M steps/s on 1 thread; %.1f M steps/s over %d cores; "
      "expression potential %.2f M steps/s\n",
      em / 1e6, lm / 1e6, par / 1e6, cores, expr / 1e6);
  return 0;
}
