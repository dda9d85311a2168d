/*
 * Streaming gzip inflate through Intel ISA-L, run on the libuv thread pool so that decompression overlaps the tar
 * walk on the main thread. ISA-L's inflate is about twice as fast as zlib's on layer data, and decompression is
 * most of the time a large layer takes. The JavaScript side (src/image/isal-gunzip.ts) owns the stream logic:
 * buffers, back-pressure, multi-member streams; this file only moves one input/output pair through isal_inflate.
 *
 *   create() -> handle                     a gzip decoder (header parsed and CRC/size trailer checked by ISA-L)
 *   reset(handle)                          ready for the next gzip member
 *   inflate(handle, input, output, cb)     cb(error | null, consumed, produced, memberFinished)
 *
 * One inflate call at a time per handle: the JavaScript side never issues the next before the callback.
 */
#include <isa-l/igzip_lib.h>
#include <node_api.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  struct inflate_state state;
  int busy;
} decoder_t;

typedef struct {
  napi_async_work work;
  napi_ref handle_ref, input_ref, output_ref, callback_ref;
  decoder_t *decoder;
  uint8_t *input;
  uint32_t input_length;
  uint8_t *output;
  uint32_t output_length;
  int status;
  uint32_t consumed, produced;
  int finished;
} job_t;

#define CHECK(env, call)                                                                                               \
  do {                                                                                                                 \
    if ((call) != napi_ok) {                                                                                           \
      napi_throw_error((env), NULL, "isal_inflate: N-API call failed: " #call);                                       \
      return NULL;                                                                                                     \
    }                                                                                                                  \
  } while (0)

static void init_decoder(decoder_t *d) {
  isal_inflate_init(&d->state);
  d->state.crc_flag = ISAL_GZIP;
}

static void finalize_decoder(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

static napi_value create(napi_env env, napi_callback_info info) {
  (void)info;
  decoder_t *d = malloc(sizeof(decoder_t));
  if (!d) {
    napi_throw_error(env, NULL, "isal_inflate: out of memory");
    return NULL;
  }
  memset(d, 0, sizeof(*d));
  init_decoder(d);
  napi_value handle;
  CHECK(env, napi_create_external(env, d, finalize_decoder, NULL, &handle));
  return handle;
}

static decoder_t *decoder_of(napi_env env, napi_value value) {
  void *data = NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok || !data) {
    napi_throw_type_error(env, NULL, "isal_inflate: not a decoder handle");
    return NULL;
  }
  return data;
}

static napi_value reset(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  decoder_t *d = decoder_of(env, argv[0]);
  if (!d) return NULL;
  if (d->busy) {
    napi_throw_error(env, NULL, "isal_inflate: reset while an inflate call is running");
    return NULL;
  }
  init_decoder(d);
  return NULL;
}

static const char *describe(int status) {
  switch (status) {
    case ISAL_END_INPUT: return "unexpected end of input";
    case ISAL_INVALID_BLOCK: return "invalid deflate block";
    case ISAL_NEED_DICT: return "stream needs a preset dictionary";
    case ISAL_INVALID_SYMBOL: return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK: return "invalid distance too far back";
    case ISAL_INVALID_WRAPPER: return "incorrect gzip header";
    case ISAL_UNSUPPORTED_METHOD: return "unknown compression method";
    case ISAL_INCORRECT_CHECKSUM: return "incorrect data check";
    default: return "inflate failed";
  }
}

static void execute(napi_env env, void *data) {
  (void)env;
  job_t *job = data;
  struct inflate_state *s = &job->decoder->state;
  s->next_in = job->input;
  s->avail_in = job->input_length;
  s->next_out = job->output;
  s->avail_out = job->output_length;
  job->status = isal_inflate(s);
  job->consumed = job->input_length - s->avail_in;
  job->produced = job->output_length - s->avail_out;
  job->finished = s->block_state == ISAL_BLOCK_FINISH;
}

static void complete(napi_env env, napi_status status, void *data) {
  job_t *job = data;
  job->decoder->busy = 0;
  napi_value callback, global, argv[4];
  napi_get_reference_value(env, job->callback_ref, &callback);
  napi_get_global(env, &global);
  if (status != napi_ok) {
    napi_create_string_utf8(env, "inflate work was cancelled", NAPI_AUTO_LENGTH, &argv[0]);
  } else if (job->status < 0 || job->status == ISAL_NEED_DICT) { /* ISAL_END_INPUT, ISAL_OUT_OVERFLOW: where it stopped */
    napi_create_string_utf8(env, describe(job->status), NAPI_AUTO_LENGTH, &argv[0]);
  } else {
    napi_get_null(env, &argv[0]);
  }
  napi_create_uint32(env, job->consumed, &argv[1]);
  napi_create_uint32(env, job->produced, &argv[2]);
  napi_get_boolean(env, job->finished, &argv[3]);
  napi_delete_reference(env, job->handle_ref);
  napi_delete_reference(env, job->input_ref);
  napi_delete_reference(env, job->output_ref);
  napi_delete_reference(env, job->callback_ref);
  napi_delete_async_work(env, job->work);
  free(job);
  napi_value ignored;
  napi_call_function(env, global, callback, 4, argv, &ignored);
}

static int bytes_of(napi_env env, napi_value value, uint8_t **data, uint32_t *length) {
  napi_typedarray_type type;
  size_t n;
  void *ptr;
  if (napi_get_typedarray_info(env, value, &type, &n, &ptr, NULL, NULL) != napi_ok || type != napi_uint8_array || n > UINT32_MAX) {
    return 0;
  }
  *data = ptr;
  *length = (uint32_t)n;
  return 1;
}

static napi_value inflate(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4) {
    napi_throw_type_error(env, NULL, "isal_inflate: inflate(handle, input, output, callback)");
    return NULL;
  }
  decoder_t *d = decoder_of(env, argv[0]);
  if (!d) return NULL;
  if (d->busy) {
    napi_throw_error(env, NULL, "isal_inflate: an inflate call is already running on this decoder");
    return NULL;
  }
  job_t *job = calloc(1, sizeof(job_t));
  if (!job) {
    napi_throw_error(env, NULL, "isal_inflate: out of memory");
    return NULL;
  }
  if (!bytes_of(env, argv[1], &job->input, &job->input_length) || !bytes_of(env, argv[2], &job->output, &job->output_length)) {
    free(job);
    napi_throw_type_error(env, NULL, "isal_inflate: input and output must be Uint8Arrays under 4 GiB");
    return NULL;
  }
  job->decoder = d;
  napi_value name;
  CHECK(env, napi_create_reference(env, argv[0], 1, &job->handle_ref));
  CHECK(env, napi_create_reference(env, argv[1], 1, &job->input_ref));
  CHECK(env, napi_create_reference(env, argv[2], 1, &job->output_ref));
  CHECK(env, napi_create_reference(env, argv[3], 1, &job->callback_ref));
  CHECK(env, napi_create_string_utf8(env, "isal_inflate", NAPI_AUTO_LENGTH, &name));
  CHECK(env, napi_create_async_work(env, NULL, name, execute, complete, job, &job->work));
  d->busy = 1;
  CHECK(env, napi_queue_async_work(env, job->work));
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"create", NULL, create, NULL, NULL, NULL, napi_default, NULL},
      {"reset", NULL, reset, NULL, NULL, NULL, napi_default, NULL},
      {"inflate", NULL, inflate, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
