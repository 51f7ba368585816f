// Node 20 is what this machine has; the SDK's notice that its releases after January 2027 need
// Node 22 would repeat in every test file's output. The Lambda runtime is Node 24.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
