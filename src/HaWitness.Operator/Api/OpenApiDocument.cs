namespace HaWitness.Operator.Api;

/// <summary>
/// <c>GET /api/v1/openapi.json</c>, written by hand: the routes and field names here are the
/// contract operators' scripts rely on, and a constant string is trivially Native-AOT safe
/// (Microsoft.AspNetCore.OpenApi generates at run time from endpoint metadata, adds a package and
/// would describe the agents' internal routes too). A test checks every path here answers.
/// </summary>
internal static class OpenApiDocument
{
    public const string Json = """
{
  "openapi": "3.0.3",
  "info": {
    "title": "HaWitness appliance API",
    "version": "1",
    "description": "Status, journal and operator actions of a HaWitness appliance. Reads may be open (Http:OpenRead); every POST needs the admin password as HTTP Basic (user admin) or as a bearer token. Errors come back as {error, message} with a 4xx status."
  },
  "components": {
    "securitySchemes": {
      "basic": { "type": "http", "scheme": "basic", "description": "user 'admin', the admin password" },
      "bearer": { "type": "http", "scheme": "bearer", "description": "the admin password as the token" }
    },
    "parameters": {
      "host": { "name": "name", "in": "path", "required": true, "schema": { "type": "string" }, "description": "host name" },
      "vm": { "name": "name", "in": "path", "required": true, "schema": { "type": "string" }, "description": "VM name" }
    },
    "responses": {
      "Error": { "description": "error", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } },
      "Operation": { "description": "200 committed or nothing to do; 404 unknown name; 409 refused; 503 not the leader", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/OperationResult" } } } }
    },
    "schemas": {
      "Error": { "type": "object", "properties": { "error": { "type": "string" }, "message": { "type": "string" } } },
      "OperationResult": { "type": "object", "properties": {
        "accepted": { "type": "boolean" }, "code": { "type": "string", "enum": ["ok", "noop", "not-found", "refused", "not-leader", "bad-request"] },
        "message": { "type": "string" }, "index": { "type": "integer", "nullable": true }, "decisionId": { "type": "integer" } } },
      "Quorum": { "type": "object", "properties": { "voters": { "type": "integer" }, "reachable": { "type": "integer" }, "hasQuorum": { "type": "boolean" }, "reason": { "type": "string" } } },
      "HostStatus": { "type": "object", "properties": {
        "name": { "type": "string" }, "state": { "type": "string", "enum": ["online", "joining", "suspect", "failed", "fenced", "maintenance", "offline"] },
        "leaseAgeMs": { "type": "integer", "nullable": true }, "fenced": { "type": "boolean" }, "maintenance": { "type": "boolean" },
        "generation": { "type": "string", "nullable": true }, "voter": { "type": "boolean" }, "raftEndpoint": { "type": "string", "nullable": true },
        "initiatorIqn": { "type": "string", "nullable": true }, "hypervisor": { "type": "string", "nullable": true },
        "cpus": { "type": "integer" }, "memoryMb": { "type": "integer" }, "vms": { "type": "integer" },
        "appliedIndex": { "type": "integer", "nullable": true, "description": "the Raft log index the host's agent last reported it has applied" },
        "spare": { "type": "boolean", "description": "a contingency host: failover restarts go there first, planned placement never does" } } },
      "Host": { "type": "object", "properties": {
        "name": { "type": "string" }, "state": { "type": "string" }, "leaseAgeMs": { "type": "integer", "nullable": true },
        "fenced": { "type": "boolean" }, "maintenance": { "type": "boolean" }, "spare": { "type": "boolean" }, "generation": { "type": "string", "nullable": true },
        "voter": { "type": "boolean" }, "hypervisor": { "type": "string", "nullable": true }, "initiatorIqn": { "type": "string", "nullable": true },
        "cpus": { "type": "integer" }, "memoryMb": { "type": "integer" }, "freeCpus": { "type": "integer" }, "freeMemoryMb": { "type": "integer" },
        "vms": { "type": "array", "items": { "type": "string" } } } },
      "Vm": { "type": "object", "properties": {
        "name": { "type": "string" }, "host": { "type": "string", "nullable": true },
        "state": { "type": "string", "enum": ["running", "starting", "stopped", "failed", "unplaced"] },
        "priority": { "type": "string", "enum": ["high", "medium", "low", "disabled"] }, "epoch": { "type": "integer" }, "ha": { "type": "boolean" } } },
      "Status": { "type": "object", "properties": {
        "node": { "type": "string" }, "version": { "type": "string" }, "time": { "type": "string", "format": "date-time" }, "startedAt": { "type": "string", "format": "date-time" },
        "leader": { "type": "string", "nullable": true }, "term": { "type": "integer" }, "quorum": { "$ref": "#/components/schemas/Quorum" },
        "hosts": { "type": "array", "items": { "$ref": "#/components/schemas/HostStatus" } }, "vms": { "type": "array", "items": { "$ref": "#/components/schemas/Vm" } },
        "journal": { "type": "object", "properties": { "lastDecisionId": { "type": "integer" }, "events": { "type": "integer" }, "bytes": { "type": "integer" },
          "fault": { "type": "string", "nullable": true, "description": "why the journal cannot write now (disk full, I/O error); null while it can. /healthz answers 503 meanwhile" } } } } },
      "Decision": { "type": "object", "properties": {
        "id": { "type": "integer" }, "time": { "type": "string", "format": "date-time" }, "kind": { "type": "string" }, "subject": { "type": "string" },
        "outcome": { "type": "string", "enum": ["Decided", "Succeeded", "Failed", "Refused", "NoOp"] }, "summary": { "type": "string" }, "evidence": { "type": "object", "nullable": true } } },
      "Explain": { "type": "object", "properties": {
        "subject": { "type": "string" }, "found": { "type": "boolean" }, "answer": { "type": "string" }, "current": { "type": "object", "nullable": true },
        "chain": { "type": "array", "items": { "$ref": "#/components/schemas/Decision" } } } },
      "Alarm": { "type": "object", "properties": { "kind": { "type": "string" }, "severity": { "type": "string", "enum": ["critical", "warning"] }, "subject": { "type": "string" }, "summary": { "type": "string" } } }
    }
  },
  "paths": {
    "/api/v1/status": { "get": { "summary": "Cluster state: quorum, leader, hosts, VMs, journal size", "responses": { "200": { "description": "status", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Status" } } } } } } },
    "/api/v1/hosts": { "get": { "summary": "Hosts with lease age, capacity and VMs", "responses": { "200": { "description": "hosts", "content": { "application/json": { "schema": { "type": "object", "properties": { "hosts": { "type": "array", "items": { "$ref": "#/components/schemas/Host" } } } } } } } } } },
    "/api/v1/hosts/{name}": { "get": { "summary": "One host", "parameters": [ { "$ref": "#/components/parameters/host" } ], "responses": { "200": { "description": "host", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Host" } } } }, "404": { "$ref": "#/components/responses/Error" } } } },
    "/api/v1/hosts/{name}/maintenance": { "post": { "summary": "Enter or leave maintenance (VMs move away; the host takes none)", "security": [ { "basic": [] }, { "bearer": [] } ],
      "parameters": [ { "$ref": "#/components/parameters/host" } ],
      "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["enter"], "properties": { "enter": { "type": "boolean" }, "force": { "type": "boolean", "default": false } } } } } },
      "responses": { "200": { "$ref": "#/components/responses/Operation" }, "400": { "$ref": "#/components/responses/Error" }, "401": { "$ref": "#/components/responses/Error" }, "404": { "$ref": "#/components/responses/Operation" }, "409": { "$ref": "#/components/responses/Operation" } } } },
    "/api/v1/hosts/{name}/spare": { "post": { "summary": "Make a host a spare (contingency host: no VMs in normal operation, first choice for failover restarts) or a normal host again. Nothing moves: VMs on it stay until migrated", "security": [ { "basic": [] }, { "bearer": [] } ],
      "parameters": [ { "$ref": "#/components/parameters/host" } ],
      "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["spare"], "properties": { "spare": { "type": "boolean" } } } } } },
      "responses": { "200": { "$ref": "#/components/responses/Operation" }, "400": { "$ref": "#/components/responses/Error" }, "401": { "$ref": "#/components/responses/Error" }, "404": { "$ref": "#/components/responses/Operation" }, "409": { "$ref": "#/components/responses/Operation" } } } },
    "/api/v1/hosts/{name}/readmit": { "post": { "summary": "Re-admit a failed or fenced host on the operator's word (grants its initiator again, verified; journaled with the reason). Only when you know it no longer writes stale data: normally a host comes back by itself with a new generation.", "security": [ { "basic": [] }, { "bearer": [] } ],
      "parameters": [ { "$ref": "#/components/parameters/host" } ],
      "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["reason"], "properties": { "reason": { "type": "string", "minLength": 1, "maxLength": 500 } } } } } },
      "responses": { "200": { "$ref": "#/components/responses/Operation" }, "400": { "$ref": "#/components/responses/Error" }, "401": { "$ref": "#/components/responses/Error" }, "404": { "$ref": "#/components/responses/Operation" }, "409": { "$ref": "#/components/responses/Operation" } } } },
    "/api/v1/backup": { "post": { "summary": "A consistent backup of the appliance's data directory, taken while it serves (journal, Raft log and membership, cluster CA, keys, secrets): a tar with manifest.json last (SHA-256 of every part). It holds the CA key: keep it like one. 'hawitness backup FILE' calls this", "security": [ { "basic": [] }, { "bearer": [] } ],
      "responses": { "200": { "description": "the archive", "content": { "application/x-tar": { "schema": { "type": "string", "format": "binary" } } } }, "401": { "$ref": "#/components/responses/Error" }, "503": { "$ref": "#/components/responses/Error" } } } },
    "/api/v1/vms": { "get": { "summary": "VMs with their host and state (from the agents' reports)", "responses": { "200": { "description": "VMs", "content": { "application/json": { "schema": { "type": "object", "properties": { "vms": { "type": "array", "items": { "$ref": "#/components/schemas/Vm" } } } } } } } } } },
    "/api/v1/vms/{name}": { "get": { "summary": "One VM", "parameters": [ { "$ref": "#/components/parameters/vm" } ], "responses": { "200": { "description": "VM", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Vm" } } } }, "404": { "$ref": "#/components/responses/Error" } } } },
    "/api/v1/vms/{name}/migrate": { "post": { "summary": "Move a VM to a host (stop, then start there)", "security": [ { "basic": [] }, { "bearer": [] } ],
      "parameters": [ { "$ref": "#/components/parameters/vm" } ],
      "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["host"], "properties": { "host": { "type": "string" } } } } } },
      "responses": { "200": { "$ref": "#/components/responses/Operation" }, "400": { "$ref": "#/components/responses/Error" }, "401": { "$ref": "#/components/responses/Error" }, "404": { "$ref": "#/components/responses/Operation" }, "409": { "$ref": "#/components/responses/Operation" } } } },
    "/api/v1/vms/{name}/ha": { "post": { "summary": "Turn HA protection on or off", "security": [ { "basic": [] }, { "bearer": [] } ],
      "parameters": [ { "$ref": "#/components/parameters/vm" } ],
      "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["on"], "properties": { "on": { "type": "boolean" } } } } } },
      "responses": { "200": { "$ref": "#/components/responses/Operation" }, "400": { "$ref": "#/components/responses/Error" }, "401": { "$ref": "#/components/responses/Error" }, "404": { "$ref": "#/components/responses/Operation" } } } },
    "/api/v1/vms/{name}/priority": { "post": { "summary": "Set the restart priority", "security": [ { "basic": [] }, { "bearer": [] } ],
      "parameters": [ { "$ref": "#/components/parameters/vm" } ],
      "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object", "required": ["priority"], "properties": { "priority": { "type": "string", "enum": ["high", "medium", "low", "disabled"] } } } } } },
      "responses": { "200": { "$ref": "#/components/responses/Operation" }, "400": { "$ref": "#/components/responses/Error" }, "401": { "$ref": "#/components/responses/Error" }, "404": { "$ref": "#/components/responses/Operation" } } } },
    "/api/v1/journal": { "get": { "summary": "Journaled decisions, newest first, a page at a time",
      "parameters": [
        { "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 1000, "default": 50 } },
        { "name": "cursor", "in": "query", "schema": { "type": "string" }, "description": "the 'next' value of the previous page" },
        { "name": "after", "in": "query", "schema": { "type": "integer" }, "description": "only decisions newer than this id, oldest first (to follow the journal)" },
        { "name": "subject", "in": "query", "schema": { "type": "string" }, "description": "host:NAME, vm:NAME, cluster ..." },
        { "name": "kind", "in": "query", "schema": { "type": "string" }, "description": "HostFailed, FenceHost, PlaceVm ..." } ],
      "responses": { "200": { "description": "a page", "content": { "application/json": { "schema": { "type": "object", "properties": {
        "decisions": { "type": "array", "items": { "$ref": "#/components/schemas/Decision" } }, "next": { "type": "string", "nullable": true } } } } } }, "400": { "$ref": "#/components/responses/Error" } } } },
    "/api/v1/explain/vm/{name}": { "get": { "summary": "Why the VM is where it is, or why it was not restarted", "parameters": [ { "$ref": "#/components/parameters/vm" } ], "responses": { "200": { "description": "answer", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Explain" } } } }, "404": { "description": "unknown VM", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Explain" } } } } } } },
    "/api/v1/explain/host/{name}": { "get": { "summary": "Why the host was fenced, and when it may come back", "parameters": [ { "$ref": "#/components/parameters/host" } ], "responses": { "200": { "description": "answer", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Explain" } } } }, "404": { "description": "unknown host", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Explain" } } } } } } },
    "/api/v1/alarms": { "get": { "summary": "Alarms active now (their condition still holds)", "responses": { "200": { "description": "alarms", "content": { "application/json": { "schema": { "type": "object", "properties": { "alarms": { "type": "array", "items": { "$ref": "#/components/schemas/Alarm" } } } } } } } } } },
    "/api/v1/failover": { "get": { "summary": "VM states, storage-fence mode, can tolerate k host failures", "responses": { "200": { "description": "failover status" } } } },
    "/api/v1/openapi.json": { "get": { "summary": "This document", "responses": { "200": { "description": "OpenAPI 3.0" } } } },
    "/metrics": { "get": { "summary": "Prometheus text format", "responses": { "200": { "description": "metrics", "content": { "text/plain": {} } } } } },
    "/api/v1/agents/join": { "post": { "summary": "An agent joins with the join token (agents only)", "responses": { "200": { "description": "joined" }, "401": { "$ref": "#/components/responses/Error" } } } }
  }
}
""";
}
