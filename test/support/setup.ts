// Node 20 is what this machine has; the SDK's notice that later releases need Node 22 is noise
// in every test's output. Other warnings still print.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'NodeVersionSupportWarning')
    process.stderr.write(`${warning.stack ?? warning.message}\n`);
});
