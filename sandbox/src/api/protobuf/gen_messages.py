#!/usr/bin/env python3
"""Regenerates messages.rs: the protobuf field tables of the built-in kinds.

Field numbers and wire types come from the k8s-pb crate's prost structs, JSON
field names from k8s-openapi's serde impls (the protobuf names are the JSON
names; prost's snake_case loses their capitals). Both crates must be in the
cargo registry (`cargo fetch` with the sandbox's dev-dependencies does it).

    python3 sandbox/src/api/protobuf/gen_messages.py > sandbox/src/api/protobuf/messages.rs
"""
import glob
import os
import re
import sys

REG = glob.glob(os.path.expanduser("~/.cargo/registry/src/*/"))
PB = next(glob.glob(r + "k8s-pb-0.9.*/src")[0] for r in REG if glob.glob(r + "k8s-pb-0.9.*/src"))
OA = next(glob.glob(r + "k8s-openapi-0.29.*/src/v1_37")[0] for r in REG if glob.glob(r + "k8s-openapi-0.29.*/src/v1_37"))

ROOTS = [
    "core.v1.Namespace", "core.v1.Pod", "core.v1.Service", "core.v1.Endpoints", "core.v1.Secret",
    "core.v1.ConfigMap", "core.v1.ServiceAccount", "core.v1.Event", "core.v1.Node",
    "apps.v1.Deployment", "apps.v1.ReplicaSet", "apps.v1.DaemonSet", "apps.v1.StatefulSet",
    "apps.v1.ControllerRevision", "autoscaling.v2.HorizontalPodAutoscaler", "policy.v1.PodDisruptionBudget",
    "rbac.v1.Role", "rbac.v1.RoleBinding", "rbac.v1.ClusterRole", "rbac.v1.ClusterRoleBinding",
    "admissionregistration.v1.MutatingWebhookConfiguration",
    "admissionregistration.v1.ValidatingWebhookConfiguration",
    "certificates.v1.CertificateSigningRequest", "autoscaling.v1.Scale", "meta.v1.DeleteOptions",
    "authentication.v1.TokenRequest", "authentication.v1.TokenReview",
    "authorization.v1.SelfSubjectAccessReview",
]
SCALARS = {"string": "s", "int32": "i", "int64": "l", "bool": "b", "bytes": "y", "double": "d"}
# Decoded by hand in protobuf.rs.
SPECIAL = {"meta.v1.Time", "meta.v1.MicroTime", "resource.Quantity", "intstr.IntOrString",
           "runtime.RawExtension", "meta.v1.FieldsV1", "meta.v1.Duration", "certificates.v1.ExtraValue"}


def package(mod):
    """Module path (list) -> table package: api/core/v1 -> core.v1."""
    if mod[0] == "api":
        return ".".join(mod[1:])
    if mod[:3] == ["apimachinery", "pkg", "apis"]:
        return ".".join(mod[3:])
    if mod[:2] == ["apimachinery", "pkg"]:
        return mod[-1]
    if mod[0] == "apiextensions_apiserver":
        return "apiextensions." + mod[-1]
    return ".".join(mod)


def parse_pb():
    msgs = {}
    for path in glob.glob(PB + "/**/mod.rs", recursive=True):
        mod = os.path.relpath(os.path.dirname(path), PB).split(os.sep)
        if mod == ["."]:
            continue
        text = open(path).read()
        for m in re.finditer(r"pub struct (\w+) \{(.*?)\n\}", text, re.S):
            fields = []
            body = m.group(2)
            for f in re.finditer(r"#\[prost\(([^\]]*)\)\]\s*pub (r#)?(\w+):", body):
                attrs, name = f.group(1), f.group(3)
                depth, i = 0, f.end()
                while depth or body[i] != ",":
                    depth += {"<": 1, ">": -1}.get(body[i], 0)
                    i += 1
                ty = re.sub(r"\s+", "", body[f.end():i])
                tag = int(re.search(r'tag = "(\d+)"', attrs).group(1))
                fields.append((tag, name, attrs, ty))
            msgs[package(mod) + "." + m.group(1)] = (mod, fields)
    return msgs


def resolve(mod, ty):
    """A Rust type path inside module `mod` -> table key."""
    inner = re.split(r"[<,]", ty.rstrip(">,"))[-1]
    parts = inner.split("::")
    base = list(mod)
    while parts and parts[0] == "super":
        base.pop()
        parts.pop(0)
    return package(base + parts[:-1]) + "." + parts[-1]


def json_names(mod, struct):
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", struct).lower()
    names = {}
    for path in glob.glob(os.path.join(OA, *mod, "*.rs")):
        text = open(path).read()
        if re.search(r"pub struct %s \{" % struct, text, re.I):
            for j in re.findall(r'"(\w+)" => Field::Key_', text):
                names[j.lower()] = j
            return names
    return names


def main():
    msgs = parse_pb()
    todo, seen, out, inherited = list(ROOTS), set(), [], {}
    while todo:
        key = todo.pop(0)
        if key in seen or key in SPECIAL:
            continue
        seen.add(key)
        mod, fields = msgs[key]
        names = json_names(mod, key.split(".")[-1]) or inherited.get(key, {})
        cols = []
        for tag, name, attrs, ty in fields:
            kind = attrs.split(",")[0].split(" ")[0]
            rep = "*" if "repeated" in attrs else ""
            json = names.get(name.replace("_", "").lower())
            if kind == "message" and json is None and names:
                # Go embeds it `json:",inline"`: its fields belong to the parent.
                json = "-"
            if json is None:
                sys.stderr.write(f"no JSON name for {key}.{name}\n")
                json = re.sub(r"_(\w)", lambda c: c.group(1).upper(), name)
            if kind == "message":
                ref = resolve(mod, ty)
                if ref.endswith("."):
                    raise SystemExit(f"{key}.{name}: {ty!r}")
                todo.append(ref)
                code = "m" + ref
                if json == "-":
                    inherited[ref] = names
            elif kind in ("map", "btree_map"):
                value = re.search(r'map = "string, (\w+)"', attrs).group(1)
                if value == "message":
                    ref = resolve(mod, ty)
                    todo.append(ref)
                    code = "{m" + ref + "}"
                else:
                    code = "{" + SCALARS[value] + "}"
            else:
                code = SCALARS[kind]
            cols.append(f"{tag}:{json}:{rep}{code}")
        out.append((key, " ".join(cols)))
    print("//! Generated by gen_messages.py from the k8s-pb 0.9 and k8s-openapi 0.29 sources: the")
    print("//! protobuf fields of the built-in kinds. `tag:jsonName:type`, type `s` string, `i` int32,")
    print("//! `l` int64, `b` bool, `y` bytes, `d` double, `m<message>`, `*` repeated, `{…}` map with")
    print("//! string keys; the JSON name `-` inlines the message's fields into its parent.")
    print()
    print("#[rustfmt::skip]")
    print("pub(super) const MESSAGES: &[(&str, &str)] = &[")
    for key, cols in sorted(out):
        print(f'    ("{key}", "{cols}"),')
    print("];")


main()
