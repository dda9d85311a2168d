'use strict';
// Throws when the addon did not build (libisal-dev missing): callers fall back to zlib.
module.exports = require('./build/Release/isal_inflate.node');
