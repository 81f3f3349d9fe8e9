/** Lets the benchmark ask a server process for its CPU time: on SIGUSR2 it prints `cpu <user µs> <system µs>`. */
export function reportCpuOnSignal(): void {
  process.on('SIGUSR2', () => {
    const { user, system } = process.cpuUsage();
    process.stdout.write(`cpu ${user} ${system}\n`);
  });
}
