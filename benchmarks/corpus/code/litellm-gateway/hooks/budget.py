from litellm.integrations.custom_logger import CustomLogger


class BudgetHook(CustomLogger):
    async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):
        team = kwargs.get("metadata", {}).get("team")
        print("spend", team, kwargs.get("response_cost"))
