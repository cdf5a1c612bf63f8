##! zeek-relay: publishes the signatures of this node's events, so that every zeek-relay gateway
##! replica checks WebSocket clients' events as Zeek's own WebSocket server does (unknown name,
##! wrong arity or argument types: "failed to create Zeek event"). Load it on the manager:
##!
##!   @load /path/to/zeek-relay/deploy/zeek/zeek-relay/event-signatures.zeek
##!
##! Sent: event ZeekRelay::signatures(node, events, types) on ZeekRelay::signatures_topic, with
##!   node    this node's name (Cluster::node),
##!   events  event name -> its type as global_ids() renders it,
##!           e.g. "event(c:count, e:Test::Color, r:Test::Rec)",
##!   types   enum type name -> "enum { Test::RED, Test::GREEN }" for the enums those use.
##! Named record types and aliases are sent by name only, so the gateway does not check arguments
##! of those types. Script-land cannot describe them safely: global_ids() renders every named type
##! by its name; enum_names() answers for enums only (an empty set otherwise, no error), but the
##! one way to read a record's fields, record_fields("<name>"), raises a script error ("does not
##! name a record type", in reporter.log) for every name that is not a record (aliases such as
##! string_vec or index_vec, used by many events), and no built-in function tells a record name
##! from an alias name, or reveals the type behind an alias, beforehand.
##! Every function, event and identifier used here exists in Zeek 8.0, 8.1, 8.2 and 9.0 (the
##! operator's tests check it against packages/fixtures/data/zeek-scripts/facts.json).
##! When: shortly after start, whenever a node comes up, when a gateway asks (a gateway is not a
##! Zeek node, no node_up announces it) and every ZeekRelay::signatures_interval.

module ZeekRelay;

export {
	## Where the signatures are published; every gateway replica subscribes to it.
	const signatures_topic = "zeek-relay/signatures" &redef;
	## Where gateways ask for them.
	const request_topic = "zeek-relay/request/signatures" &redef;
	## How often they are published regardless; 0secs: only on the triggers above.
	const signatures_interval = 1min &redef;

	global signatures: event(node: string, events: table[string] of string,
	                         types: table[string] of string);
	global request_signatures: event(gateway: string);
}

global publish_signatures_timer: event();

function publish_signatures()
	{
	local events: table[string] of string;
	local types: table[string] of string;
	local ids = global_ids();
	for ( name, info in ids )
		{
		if ( /^event\(/ !in info$type_name )
			next;
		events[name] = info$type_name;
		# Identifiers inside the rendering that name an enum type get its value names.
		for ( _, word in split_string(info$type_name, /[^A-Za-z0-9_:]+/) )
			{
			if ( word == "" || word in types || word !in ids || ids[word]$type_name != word )
				next;
			local names = enum_names(word);
			if ( |names| > 0 )
				types[word] = fmt("enum { %s }", join_string_set(names, ", "));
			}
		}
	Cluster::publish(signatures_topic, signatures, Cluster::node, events, types);
	}

event zeek_init()
	{
	Cluster::subscribe(request_topic);
	schedule 1sec { publish_signatures_timer() };
	}

event publish_signatures_timer()
	{
	publish_signatures();
	if ( signatures_interval > 0secs )
		schedule signatures_interval { publish_signatures_timer() };
	}

event Cluster::node_up(name: string, id: string)
	{
	publish_signatures();
	}

event ZeekRelay::request_signatures(gateway: string)
	{
	publish_signatures();
	}
