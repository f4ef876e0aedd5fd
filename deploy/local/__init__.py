"""The no-Docker local stack: Kafka (KRaft) and Elasticsearch from Maven Central, run on 127.0.0.1."""
