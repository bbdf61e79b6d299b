/*
 * TEST DOUBLE of VMware's libvixAllProducts.so (VMware's library cannot be installed here).
 *
 * It exports the VIX 1.x symbols HaWitness's VIX driver uses, with the same signatures and the
 * behaviour that matters to it: integer handles with reference counts, asynchronous jobs that
 * complete on a thread of their own and call the caller's callback there (FIND_ITEM events with a
 * FOUND_ITEM_LOCATION property, then JOB_COMPLETED), the real variadic VixJob_Wait and
 * Vix_GetProperties, VixPowerState bits, VixError codes with Vix_GetErrorText, and the rules the
 * driver relies on: a VM is its .vmx file (delete the file and the VM is gone), Server/VI providers
 * keep a registry and refuse to unregister a VM that is powered on, Workstation has no registry.
 *
 * Faults are read from the .vmx like VMware reads its settings:
 *   testvix.powerOnError = "N"   power-on fails with VixError N
 *   testvix.delayMs = "N"        every job on this VM takes N ms (a hanging hypervisor: make N large)
 * and connecting as user "baduser" fails with AUTHENTICATION_FAIL, to host "unreachable" with
 * CANNOT_CONNECT_TO_HOST. TestVix_* functions let tests inspect the double (live handles, jobs).
 *
 * Built by the test project with gcc: tests/HaWitness.Hypervisors.Tests/TestLibvix/build.sh.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef int VixHandle;
typedef uint64_t VixError;
typedef int VixPropertyID;
typedef int VixEventType;
typedef char Bool;
typedef void VixEventProc(VixHandle handle, VixEventType eventType, VixHandle moreEventInfo, void *clientData);

enum { H_FREE = 0, H_HOST, H_VM, H_JOB, H_ITEM };
enum { OP_CONNECT, OP_OPEN, OP_REGISTER, OP_UNREGISTER, OP_FIND, OP_POWERON, OP_POWEROFF, OP_SUSPEND };

#define VIX_OK 0
#define VIX_E_FAIL 1
#define VIX_E_INVALID_ARG 3
#define VIX_E_FILE_NOT_FOUND 4
#define VIX_E_NOT_SUPPORTED 6
#define VIX_E_AUTHENTICATION_FAIL 35
#define VIX_E_INVALID_HANDLE 1000
#define VIX_E_VM_NOT_RUNNING 3006
#define VIX_E_VM_IS_RUNNING 3007
#define VIX_E_VM_NOT_FOUND 4000
#define VIX_E_UNRECOGNIZED_PROPERTY 6000
#define VIX_E_CANNOT_CONNECT_TO_HOST 18000

#define PROP_NONE 0
#define PROP_VMX_PATHNAME 103
#define PROP_POWER_STATE 129
#define PROP_IS_RUNNING 196
#define PROP_JOB_RESULT_HANDLE 3010
#define PROP_FOUND_ITEM_LOCATION 4010

#define PS_POWERED_OFF 0x2
#define PS_POWERED_ON 0x8
#define PS_SUSPENDED 0x20
#define PS_TOOLS_RUNNING 0x40

#define MAX_HANDLES 65536
#define MAX_VMS 4096

struct vm { char *path; int registered; int state; };
struct obj {
    int type, refs;
    int provider;                     /* host */
    char *path;                       /* vm, item */
    /* job */
    int done; VixError err; VixHandle result;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static struct obj objs[MAX_HANDLES];
static int next_handle = 1;
static struct vm vms[MAX_VMS];
static int nvms;
static long jobs_started, callbacks_made;

/* ---- handles (caller holds mu) ---- */
static VixHandle h_new(int type)
{
    for (int n = 0; n < MAX_HANDLES - 1; n++) {
        int h = next_handle;
        next_handle = next_handle % (MAX_HANDLES - 1) + 1;
        if (objs[h].type == H_FREE) {
            memset(&objs[h], 0, sizeof objs[h]);
            objs[h].type = type;
            objs[h].refs = 1;
            return h;
        }
    }
    return 0;
}
static struct obj *h_get(VixHandle h, int type)
{
    if (h <= 0 || h >= MAX_HANDLES || objs[h].type == H_FREE || (type && objs[h].type != type)) return NULL;
    return &objs[h];
}
static void h_unref(VixHandle h)
{
    struct obj *o = h_get(h, 0);
    if (o && --o->refs == 0) {
        VixHandle result = o->type == H_JOB ? o->result : 0;   /* a job owns one reference to its result */
        free(o->path);
        memset(o, 0, sizeof *o);
        if (result) h_unref(result);
    }
}

static struct vm *vm_find(const char *path)
{
    for (int i = 0; i < nvms; i++) if (strcmp(vms[i].path, path) == 0) return &vms[i];
    return NULL;
}
static struct vm *vm_get(const char *path)
{
    struct vm *v = vm_find(path);
    if (v || nvms == MAX_VMS) return v;
    v = &vms[nvms++];
    v->path = strdup(path); v->registered = 0; v->state = PS_POWERED_OFF;
    return v;
}

/* "[ds] dir/x.vmx" lives at DATASTORES/ds/dir/x.vmx */
static char datastores[1024] = "/nonexistent";
void TestVix_SetDatastoreRoot(const char *dir) { pthread_mutex_lock(&mu); snprintf(datastores, sizeof datastores, "%s", dir); pthread_mutex_unlock(&mu); }
static void file_of(const char *path, char *out, size_t n)
{
    const char *end;
    if (path[0] == '[' && (end = strstr(path, "] ")) != NULL)
        snprintf(out, n, "%s/%.*s/%s", datastores, (int)(end - path - 1), path + 1, end + 2);
    else
        snprintf(out, n, "%s", path);
}
static int vmx_exists(const char *path) { char f[2048]; file_of(path, f, sizeof f); return access(f, R_OK) == 0; }
static long vmx_setting(const char *path, const char *key)
{
    char f[2048], line[1024]; long v = 0;
    file_of(path, f, sizeof f);
    FILE *fp = fopen(f, "r");
    if (!fp) return 0;
    size_t kl = strlen(key);
    while (fgets(line, sizeof line, fp)) {
        char *p = line; while (*p == ' ') p++;
        if (strncmp(p, key, kl) == 0) { p = strchr(p, '"'); if (p) v = strtol(p + 1, NULL, 10); }
    }
    fclose(fp);
    return v;
}

/* ---- jobs ---- */
struct job_args {
    int op; VixHandle job, host, vm; char *path; int arg;
    VixEventProc *cb; void *data; long delay_ms;
};

static void sleep_ms(long ms) { struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L }; while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {} }

static void *job_thread(void *p)
{
    struct job_args *a = p;
    VixError err = VIX_OK; VixHandle result = 0;
    char *found[MAX_VMS]; int nfound = 0;
    if (a->delay_ms > 0) sleep_ms(a->delay_ms);
    pthread_mutex_lock(&mu);
    struct obj *host = h_get(a->host, H_HOST);
    int provider = host ? host->provider : 0;
    int has_registry = provider == 2 || provider == 10;
    struct obj *vmo = a->vm ? h_get(a->vm, H_VM) : NULL;
    struct vm *v = NULL;
    switch (a->op) {
    case OP_CONNECT:
        if (a->arg == 1) err = VIX_E_AUTHENTICATION_FAIL;
        else if (a->arg == 2) err = VIX_E_CANNOT_CONNECT_TO_HOST;
        else { result = h_new(H_HOST); objs[result].provider = a->vm; }
        break;
    case OP_OPEN:
        if (!host) { err = VIX_E_INVALID_HANDLE; break; }
        if (!vmx_exists(a->path)) { err = VIX_E_FILE_NOT_FOUND; break; }
        v = vm_get(a->path);
        if (has_registry && !v->registered) { err = VIX_E_VM_NOT_FOUND; break; }
        result = h_new(H_VM); objs[result].path = strdup(a->path);
        break;
    case OP_REGISTER:
        if (!host) { err = VIX_E_INVALID_HANDLE; break; }
        if (!has_registry) { err = VIX_E_NOT_SUPPORTED; break; }
        if (!vmx_exists(a->path)) { err = VIX_E_FILE_NOT_FOUND; break; }
        vm_get(a->path)->registered = 1;
        break;
    case OP_UNREGISTER:
        if (!host) { err = VIX_E_INVALID_HANDLE; break; }
        if (!has_registry) { err = VIX_E_NOT_SUPPORTED; break; }
        v = vm_find(a->path);
        if (!v || !v->registered) { err = VIX_E_VM_NOT_FOUND; break; }
        if (v->state & PS_POWERED_ON) { err = VIX_E_VM_IS_RUNNING; break; }
        v->registered = 0;
        break;
    case OP_FIND:
        if (!host) { err = VIX_E_INVALID_HANDLE; break; }
        for (int i = 0; i < nvms; i++) {
            int want = a->arg == 1 ? (vms[i].state & PS_POWERED_ON) != 0 : a->arg == 4 ? vms[i].registered : 0;
            if (want && vmx_exists(vms[i].path)) found[nfound++] = strdup(vms[i].path);
        }
        break;
    case OP_POWERON: case OP_POWEROFF: case OP_SUSPEND:
        if (!vmo) { err = VIX_E_INVALID_HANDLE; break; }
        if (!vmx_exists(vmo->path)) { err = VIX_E_FILE_NOT_FOUND; break; }
        v = vm_get(vmo->path);
        if (a->op == OP_POWERON) {
            long fail = vmx_setting(vmo->path, "testvix.powerOnError");
            if (fail) err = (VixError)fail;
            else if (v->state & PS_POWERED_ON) err = VIX_OK;
            else v->state = PS_POWERED_ON | PS_TOOLS_RUNNING;
        } else if (a->op == OP_POWEROFF) {
            if (!(v->state & (PS_POWERED_ON | PS_SUSPENDED))) err = VIX_E_VM_NOT_RUNNING;
            else v->state = PS_POWERED_OFF;
        } else {
            if (!(v->state & PS_POWERED_ON)) err = VIX_E_VM_NOT_RUNNING;
            else v->state = PS_SUSPENDED;
        }
        break;
    }
    pthread_mutex_unlock(&mu);

    /* Callbacks run on this job thread, never under our lock, as VIX's do. */
    for (int i = 0; i < nfound; i++) {
        pthread_mutex_lock(&mu);
        VixHandle item = h_new(H_ITEM);
        objs[item].path = found[i];
        pthread_mutex_unlock(&mu);
        if (a->cb) { a->cb(item, 8 /* FIND_ITEM */, item, a->data); __sync_fetch_and_add(&callbacks_made, 1); }
        pthread_mutex_lock(&mu); h_unref(item); pthread_mutex_unlock(&mu);
    }
    pthread_mutex_lock(&mu);
    struct obj *job = h_get(a->job, H_JOB);
    if (job) { job->err = err; job->result = result; job->done = 1; }
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    if (a->cb) { a->cb(a->job, 2 /* JOB_COMPLETED */, 0, a->data); __sync_fetch_and_add(&callbacks_made, 1); }
    pthread_mutex_lock(&mu);
    h_unref(a->job);                                   /* the thread's own reference */
    if (a->op == OP_POWERON || a->op == OP_POWEROFF || a->op == OP_SUSPEND) h_unref(a->vm);
    pthread_mutex_unlock(&mu);
    free(a->path); free(a);
    return NULL;
}

static VixHandle start_job(int op, VixHandle host, VixHandle vm, const char *path, int arg, VixEventProc *cb, void *data)
{
    struct job_args *a = calloc(1, sizeof *a);
    pthread_mutex_lock(&mu);
    VixHandle job = h_new(H_JOB);
    if (!job) { pthread_mutex_unlock(&mu); free(a); return 0; }
    objs[job].refs = 2;   /* the caller's and the job thread's */
    struct obj *vmo = vm ? h_get(vm, H_VM) : NULL;
    const char *where = path ? path : vmo ? vmo->path : NULL;
    a->delay_ms = where ? vmx_setting(where, "testvix.delayMs") : 0;
    jobs_started++;
    pthread_mutex_unlock(&mu);
    a->op = op; a->job = job; a->host = host; a->vm = vm; a->arg = arg; a->cb = cb; a->data = data;
    a->path = path ? strdup(path) : NULL;
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_create(&t, &attr, job_thread, a);
    pthread_attr_destroy(&attr);
    return job;
}

/* ---- the VIX API ---- */
VixHandle VixHost_Connect(int apiVersion, int hostType, const char *hostName, int hostPort, const char *userName,
                          const char *password, int options, VixHandle propertyListHandle, VixEventProc *cb, void *data)
{
    (void)apiVersion; (void)hostPort; (void)password; (void)options; (void)propertyListHandle;
    int fault = userName && strcmp(userName, "baduser") == 0 ? 1 : hostName && strcmp(hostName, "unreachable") == 0 ? 2 : 0;
    return start_job(OP_CONNECT, 0, hostType, NULL, fault, cb, data);
}
void VixHost_Disconnect(VixHandle host) { pthread_mutex_lock(&mu); if (h_get(host, H_HOST)) h_unref(host); pthread_mutex_unlock(&mu); }
VixHandle VixHost_RegisterVM(VixHandle host, const char *vmx, VixEventProc *cb, void *data) { return start_job(OP_REGISTER, host, 0, vmx, 0, cb, data); }
VixHandle VixHost_UnregisterVM(VixHandle host, const char *vmx, VixEventProc *cb, void *data) { return start_job(OP_UNREGISTER, host, 0, vmx, 0, cb, data); }
VixHandle VixHost_OpenVM(VixHandle host, const char *vmx, int options, VixHandle props, VixEventProc *cb, void *data)
{ (void)options; (void)props; return start_job(OP_OPEN, host, 0, vmx, 0, cb, data); }
VixHandle VixHost_FindItems(VixHandle host, int type, VixHandle criteria, int timeout, VixEventProc *cb, void *data)
{ (void)criteria; (void)timeout; return start_job(OP_FIND, host, 0, NULL, type, cb, data); }

static VixHandle vm_job(int op, VixHandle vm, VixEventProc *cb, void *data)
{
    pthread_mutex_lock(&mu);
    struct obj *o = h_get(vm, H_VM);
    if (o) o->refs++;   /* the job keeps the VM handle alive */
    pthread_mutex_unlock(&mu);
    VixHandle job = start_job(op, 0, vm, NULL, 0, cb, data);
    return job;
}
VixHandle VixVM_PowerOn(VixHandle vm, int options, VixHandle props, VixEventProc *cb, void *data) { (void)options; (void)props; return vm_job(OP_POWERON, vm, cb, data); }
VixHandle VixVM_PowerOff(VixHandle vm, int options, VixEventProc *cb, void *data) { (void)options; return vm_job(OP_POWEROFF, vm, cb, data); }
VixHandle VixVM_Suspend(VixHandle vm, int options, VixEventProc *cb, void *data) { (void)options; return vm_job(OP_SUSPEND, vm, cb, data); }

VixError VixJob_Wait(VixHandle jobHandle, VixPropertyID firstPropertyID, ...)
{
    pthread_mutex_lock(&mu);
    struct obj *job = h_get(jobHandle, H_JOB);
    if (!job) { pthread_mutex_unlock(&mu); return VIX_E_INVALID_HANDLE; }
    while (!job->done) pthread_cond_wait(&cv, &mu);
    VixError err = job->err;
    va_list ap;
    va_start(ap, firstPropertyID);
    for (VixPropertyID id = firstPropertyID; id != PROP_NONE; id = va_arg(ap, VixPropertyID)) {
        void *out = va_arg(ap, void *);
        if (id == PROP_JOB_RESULT_HANDLE) {
            *(VixHandle *)out = job->result;
            if (job->result) objs[job->result].refs++;   /* the caller owns a reference */
        } else if (err == VIX_OK) {
            err = VIX_E_UNRECOGNIZED_PROPERTY;
        }
    }
    va_end(ap);
    pthread_mutex_unlock(&mu);
    return err;
}

VixError Vix_GetProperties(VixHandle handle, VixPropertyID firstPropertyID, ...)
{
    VixError err = VIX_OK;
    pthread_mutex_lock(&mu);
    struct obj *o = h_get(handle, 0);
    if (!o) { pthread_mutex_unlock(&mu); return VIX_E_INVALID_HANDLE; }
    va_list ap;
    va_start(ap, firstPropertyID);
    for (VixPropertyID id = firstPropertyID; id != PROP_NONE && err == VIX_OK; id = va_arg(ap, VixPropertyID)) {
        void *out = va_arg(ap, void *);
        struct vm *v = o->type == H_VM ? vm_find(o->path) : NULL;
        if (id == PROP_VMX_PATHNAME && o->type == H_VM) *(char **)out = strdup(o->path);
        else if (id == PROP_FOUND_ITEM_LOCATION && o->type == H_ITEM) *(char **)out = strdup(o->path);
        else if (id == PROP_POWER_STATE && o->type == H_VM) *(int *)out = v ? v->state : PS_POWERED_OFF;
        else if (id == PROP_IS_RUNNING && o->type == H_VM) *(Bool *)out = v && (v->state & PS_POWERED_ON) ? 1 : 0;
        else err = VIX_E_UNRECOGNIZED_PROPERTY;
    }
    va_end(ap);
    pthread_mutex_unlock(&mu);
    return err;
}

void Vix_ReleaseHandle(VixHandle handle) { pthread_mutex_lock(&mu); h_unref(handle); pthread_mutex_unlock(&mu); }
void Vix_FreeBuffer(void *p) { free(p); }

const char *Vix_GetErrorText(VixError err, const char *locale)
{
    (void)locale;
    switch (err & 0xFFFF) {
    case VIX_OK: return "The operation was successfully completed";
    case VIX_E_FAIL: return "Unknown error";
    case VIX_E_INVALID_ARG: return "One of the parameters was invalid";
    case VIX_E_FILE_NOT_FOUND: return "A file was not found";
    case VIX_E_NOT_SUPPORTED: return "The operation is not supported";
    case VIX_E_AUTHENTICATION_FAIL: return "Authentication failure or insufficient permissions in host operating system";
    case VIX_E_INVALID_HANDLE: return "The handle is not a valid VIX object";
    case VIX_E_VM_NOT_RUNNING: return "The virtual machine needs to be powered on";
    case VIX_E_VM_IS_RUNNING: return "The virtual machine should not be powered on. It is already running.";
    case VIX_E_VM_NOT_FOUND: return "The virtual machine cannot be found";
    case VIX_E_UNRECOGNIZED_PROPERTY: return "Unrecognized handle property identifier";
    case VIX_E_CANNOT_CONNECT_TO_HOST: return "Cannot connect to host";
    default: return "Unknown error";
    }
}

/* ---- inspection for tests (not part of VIX) ---- */
int TestVix_LiveHandles(void)
{
    int n = 0;
    pthread_mutex_lock(&mu);
    for (int i = 1; i < MAX_HANDLES; i++) if (objs[i].type != H_FREE && objs[i].type != H_HOST) n++;
    pthread_mutex_unlock(&mu);
    return n;
}
long TestVix_JobsStarted(void) { return __sync_fetch_and_add(&jobs_started, 0); }
long TestVix_CallbacksMade(void) { return __sync_fetch_and_add(&callbacks_made, 0); }
int TestVix_PowerState(const char *path) { pthread_mutex_lock(&mu); struct vm *v = vm_find(path); int s = v ? v->state : 0; pthread_mutex_unlock(&mu); return s; }
