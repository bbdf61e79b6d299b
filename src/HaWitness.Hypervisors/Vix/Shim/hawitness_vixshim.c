/*
 * hawitness_vixshim.c: fixed-arity entry points for VIX's two variadic functions.
 *
 * VixJob_Wait and Vix_GetProperties are C varargs functions; .NET has no varargs P/Invoke on Unix,
 * and calling a varargs function through a fixed-arity prototype is only correct by accident of an
 * ABI (on x86-64 SysV the caller must also set %al to the number of vector registers used). This
 * shim is compiled by gcc, which makes the variadic calls correctly on every ABI; the agent calls
 * the fixed-arity functions below. The shim finds VIX by path at run time (hwvix_bind), so the
 * library path stays configurable and the shim has no link-time dependency on VMware's library.
 * Built by src/HaWitness.Hypervisors (MSBuild target BuildVixShim) and shipped beside the agent.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef int VixHandle;
typedef uint64_t VixError;
typedef int VixPropertyID;
typedef VixError (*VixVariadicFn)(VixHandle, VixPropertyID, ...);

#define VIX_PROPERTY_NONE 0
#define VIX_PROPERTY_JOB_RESULT_HANDLE 3010
#define VIX_E_FAIL 1

#define HWVIX_SHIM_VERSION 1

static pthread_mutex_t bind_lock = PTHREAD_MUTEX_INITIALIZER;
static VixVariadicFn job_wait;
static VixVariadicFn get_properties;

int hwvix_shim_version(void) { return HWVIX_SHIM_VERSION; }

/* Loads VIX from path and resolves the two variadic functions. 0 on success, else -1 and a message in err. */
int hwvix_bind(const char *path, char *err, int errlen)
{
    int rc = -1;
    pthread_mutex_lock(&bind_lock);
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        snprintf(err, (size_t)errlen, "%s", dlerror());
        goto out;
    }
    VixVariadicFn w = (VixVariadicFn)dlsym(lib, "VixJob_Wait");
    VixVariadicFn g = (VixVariadicFn)dlsym(lib, "Vix_GetProperties");
    if (w == NULL || g == NULL) {
        snprintf(err, (size_t)errlen, "%s does not export VixJob_Wait and Vix_GetProperties", path);
        dlclose(lib);
        goto out;
    }
    /* The library stays loaded for the life of the process (VIX keeps threads of its own). */
    job_wait = w;
    get_properties = g;
    rc = 0;
out:
    pthread_mutex_unlock(&bind_lock);
    return rc;
}

VixError hwvix_job_wait(VixHandle job)
{
    return job_wait ? job_wait(job, VIX_PROPERTY_NONE) : VIX_E_FAIL;
}

VixError hwvix_job_wait_handle(VixHandle job, VixHandle *result)
{
    return job_wait ? job_wait(job, VIX_PROPERTY_JOB_RESULT_HANDLE, result, VIX_PROPERTY_NONE) : VIX_E_FAIL;
}

VixError hwvix_get_int(VixHandle handle, VixPropertyID id, int *value)
{
    return get_properties ? get_properties(handle, id, value, VIX_PROPERTY_NONE) : VIX_E_FAIL;
}

VixError hwvix_get_bool(VixHandle handle, VixPropertyID id, char *value)
{
    return get_properties ? get_properties(handle, id, value, VIX_PROPERTY_NONE) : VIX_E_FAIL;
}

/* The string is VIX's: free it with Vix_FreeBuffer. */
VixError hwvix_get_string(VixHandle handle, VixPropertyID id, char **value)
{
    return get_properties ? get_properties(handle, id, value, VIX_PROPERTY_NONE) : VIX_E_FAIL;
}
