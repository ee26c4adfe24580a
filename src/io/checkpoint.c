#include "rnnchaos/checkpoint.h"

#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FINGERPRINT_ATTR "fingerprint"

static rc_status put_field(hid_t file, const rc_lyap_state_field *f, rc_error *err)
{
    rc_status st = RC_OK;
    const hsize_t dims[1] = {(hsize_t)f->count};
    hid_t space = H5Screate_simple(1, dims, NULL), set = -1;
    RC_CHECK_GOTO(space >= 0, err, RC_ERR_IO, "checkpoint: cannot describe field '%s'", f->name);
    set = H5Dcreate2(file, f->name, H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT,
                     H5P_DEFAULT);
    RC_CHECK_GOTO(set >= 0, err, RC_ERR_IO, "checkpoint: cannot create field '%s'", f->name);
    if (f->count > 0)
        RC_CHECK_GOTO(H5Dwrite(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, f->data) >= 0,
                      err, RC_ERR_IO, "checkpoint: cannot write field '%s'", f->name);
cleanup:
    if (set >= 0) H5Dclose(set);
    if (space >= 0) H5Sclose(space);
    return st;
}

static rc_status put_fingerprint(hid_t file, const char *fingerprint, rc_error *err)
{
    rc_status st = RC_OK;
    hid_t type = H5Tcopy(H5T_C_S1), space = H5Screate(H5S_SCALAR), attr = -1;
    RC_CHECK_GOTO(type >= 0 && space >= 0 && H5Tset_size(type, strlen(fingerprint) + 1) >= 0, err,
                  RC_ERR_IO, "checkpoint: cannot describe the fingerprint");
    attr = H5Acreate2(file, FINGERPRINT_ATTR, type, space, H5P_DEFAULT, H5P_DEFAULT);
    RC_CHECK_GOTO(attr >= 0 && H5Awrite(attr, type, fingerprint) >= 0, err, RC_ERR_IO,
                  "checkpoint: cannot write the fingerprint");
cleanup:
    if (attr >= 0) H5Aclose(attr);
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    return st;
}

rc_status rc_checkpoint_write(const char *path, const char *fingerprint, const rc_lyap_state *st_in,
                              rc_error *err)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    char tmp[4096];
    RC_CHECK((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) < sizeof tmp, err, RC_ERR_INPUT,
             "checkpoint: path too long: %s", path);
    rc_status st = RC_OK;
    hid_t file = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    RC_CHECK_GOTO(file >= 0, err, RC_ERR_IO, "checkpoint: cannot create %s", tmp);
    RC_GOTO(put_fingerprint(file, fingerprint, err));
    for (int i = 0; i < st_in->n_fields; ++i) RC_GOTO(put_field(file, &st_in->field[i], err));
    RC_CHECK_GOTO(H5Fclose(file) >= 0, err, RC_ERR_IO, "checkpoint: cannot close %s", tmp);
    file = -1;
    RC_CHECK_GOTO(rename(tmp, path) == 0, err, RC_ERR_IO, "checkpoint: cannot rename %s to %s",
                  tmp, path);
cleanup:
    if (file >= 0) H5Fclose(file);
    if (st != RC_OK) remove(tmp);
    return st;
}

typedef struct {
    rc_lyap_state *st;
    rc_error *err;
    rc_status status;
} read_ctx;

static herr_t read_one(hid_t group, const char *name, const H5L_info_t *info, void *data)
{
    (void)info;
    read_ctx *c = data;
    rc_lyap_state *st = c->st;
    if (st->n_fields == RC_LYAP_STATE_MAX_FIELDS) {
        c->status = rc_fail(c->err, RC_ERR_INPUT, "checkpoint: more than %d fields",
                            RC_LYAP_STATE_MAX_FIELDS);
        return -1;
    }
    rc_lyap_state_field *f = &st->field[st->n_fields];
    hid_t set = H5Dopen2(group, name, H5P_DEFAULT), space = set >= 0 ? H5Dget_space(set) : -1;
    hsize_t dims[1] = {0};
    int ok = space >= 0 && H5Sget_simple_extent_ndims(space) == 1 &&
             H5Sget_simple_extent_dims(space, dims, NULL) == 1 && strlen(name) < sizeof f->name;
    if (ok) {
        snprintf(f->name, sizeof f->name, "%s", name);
        f->count = (int64_t)dims[0];
        f->data = rc_calloc((size_t)f->count + 1, sizeof(double), "checkpoint field", c->err);
        ok = f->data && (f->count == 0 || H5Dread(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
                                                  H5P_DEFAULT, f->data) >= 0);
        st->n_fields++; /* owned from here on, freed with the state */
    }
    if (space >= 0) H5Sclose(space);
    if (set >= 0) H5Dclose(set);
    if (!ok) {
        c->status = rc_fail(c->err, RC_ERR_INPUT, "checkpoint: cannot read field '%s'", name);
        return -1;
    }
    return 0;
}

rc_status rc_checkpoint_read(const char *path, const char *fingerprint, rc_lyap_state *st_out,
                             rc_error *err)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    memset(st_out, 0, sizeof *st_out);
    rc_status st = RC_OK;
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), attr = -1, type = -1;
    char *stored = NULL;
    RC_CHECK_GOTO(file >= 0, err, RC_ERR_INPUT, "checkpoint: %s is not a readable HDF5 file", path);
    attr = H5Aopen(file, FINGERPRINT_ATTR, H5P_DEFAULT);
    type = attr >= 0 ? H5Aget_type(attr) : -1;
    const size_t len = type >= 0 ? H5Tget_size(type) : 0;
    stored = len > 0 ? rc_calloc(len + 1, 1, "checkpoint fingerprint", err) : NULL;
    RC_CHECK_GOTO(stored && H5Aread(attr, type, stored) >= 0, err, RC_ERR_INPUT,
                  "checkpoint: %s has no fingerprint", path);
    RC_CHECK_GOTO(strcmp(stored, fingerprint) == 0, err, RC_ERR_INPUT,
                  "checkpoint: %s belongs to '%s', not to '%s'", path, stored, fingerprint);
    read_ctx c = {st_out, err, RC_OK};
    hsize_t idx = 0;
    if (H5Literate(file, H5_INDEX_NAME, H5_ITER_INC, &idx, read_one, &c) < 0)
        RC_GOTO(c.status != RC_OK ? c.status
                                  : rc_fail(err, RC_ERR_INPUT, "checkpoint: cannot list %s", path));
cleanup:
    free(stored);
    if (type >= 0) H5Tclose(type);
    if (attr >= 0) H5Aclose(attr);
    if (file >= 0) H5Fclose(file);
    if (st != RC_OK) rc_checkpoint_state_free(st_out);
    return st;
}

void rc_checkpoint_state_free(rc_lyap_state *st)
{
    for (int i = 0; i < st->n_fields; ++i) free(st->field[i].data);
    memset(st, 0, sizeof *st);
}
