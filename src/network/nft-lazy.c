/* libnftables, loaded on first use (see util/lazy.h): most commands never
 * touch nftables, and libnftables with libnftnl, libxtables, libgmp and
 * jansson costs milliseconds of dynamic loading.  One shim per function
 * network/nft.c (and its test) calls. */
#include <nftables/libnftables.h>

#include "util/lazy.h"

static struct sv_lazy_lib nft = { .soname = "libnftables.so.1" };

#define RESOLVE(var, name)                                                                         \
  do                                                                                               \
    {                                                                                              \
      if (__atomic_load_n (&var, __ATOMIC_ACQUIRE) == NULL)                                        \
        __atomic_store_n (&var, (__typeof__ (var))sv_lazy_sym (&nft, name), __ATOMIC_RELEASE);     \
    }                                                                                              \
  while (0)

struct nft_ctx *
nft_ctx_new (uint32_t flags)
{
  static struct nft_ctx *(*f) (uint32_t);
  RESOLVE (f, "nft_ctx_new");
  return f (flags);
}

void
nft_ctx_free (struct nft_ctx *ctx)
{
  static void (*f) (struct nft_ctx *);
  RESOLVE (f, "nft_ctx_free");
  f (ctx);
}

int
nft_ctx_buffer_output (struct nft_ctx *ctx)
{
  static int (*f) (struct nft_ctx *);
  RESOLVE (f, "nft_ctx_buffer_output");
  return f (ctx);
}

int
nft_ctx_buffer_error (struct nft_ctx *ctx)
{
  static int (*f) (struct nft_ctx *);
  RESOLVE (f, "nft_ctx_buffer_error");
  return f (ctx);
}

const char *
nft_ctx_get_output_buffer (struct nft_ctx *ctx)
{
  static const char *(*f) (struct nft_ctx *);
  RESOLVE (f, "nft_ctx_get_output_buffer");
  return f (ctx);
}

const char *
nft_ctx_get_error_buffer (struct nft_ctx *ctx)
{
  static const char *(*f) (struct nft_ctx *);
  RESOLVE (f, "nft_ctx_get_error_buffer");
  return f (ctx);
}

int
nft_run_cmd_from_buffer (struct nft_ctx *ctx, const char *buf)
{
  static int (*f) (struct nft_ctx *, const char *);
  RESOLVE (f, "nft_run_cmd_from_buffer");
  return f (ctx, buf);
}
